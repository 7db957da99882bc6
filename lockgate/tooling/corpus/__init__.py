"""Sample inbound correspondence with ground truth, deterministic for a seed (`lockgate corpus`)."""

from lockgate.tooling.corpus.generator import (
    DEPARTMENTS,
    HOSTILE_KINDS,
    CorpusMix,
    CorpusSummary,
    generate_corpus,
    hostile_file,
)
from lockgate.tooling.corpus.kept import generated_day

__all__ = [
    "DEPARTMENTS",
    "HOSTILE_KINDS",
    "CorpusMix",
    "CorpusSummary",
    "generate_corpus",
    "generated_day",
    "hostile_file",
]
