"""Sample inbound correspondence with ground truth, deterministic for a seed (`lockgate corpus`).

`compose` writes a letter, `render` makes it a file (eml, pdf, html, txt), `hostile` makes files
meant to hurt a parser, `truth` records what a file holds (and the urgency labelling rule), and
`generator` writes a day of them with its ground truth; `kept` keeps a generated day once per
machine.
"""

from lockgate.tooling.corpus.compose import DEPARTMENTS, CorpusMix, labelled_texts
from lockgate.tooling.corpus.generator import CorpusSummary, generate_corpus
from lockgate.tooling.corpus.hostile import HOSTILE_KINDS, hostile_file
from lockgate.tooling.corpus.kept import generated_day

__all__ = [
    "DEPARTMENTS",
    "HOSTILE_KINDS",
    "CorpusMix",
    "CorpusSummary",
    "generate_corpus",
    "generated_day",
    "hostile_file",
    "labelled_texts",
]
