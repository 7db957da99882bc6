"""The person-name model: a small spaCy NER pipeline that lockgate trains itself and registers in MLflow.

No pretrained pipeline is downloaded: the model starts blank (multi-language tokenizer) and
learns from labelled letters in English, French, Dutch and German. It is stored as one
msgpack blob (config + weights, no pickle), registered like any other model with a gate on
held-out F1, and loaded by the extraction job from the registry after a digest check.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache

from lockgate.extraction.alternation import alternation
from lockgate.extraction.name_context import context_names
from lockgate.extraction.name_words import (
    ABBREVIATED_ONLY,
    FORMS_OF_ADDRESS,
    GREETINGS,
    LEGAL_FORMS,
    NAME_LABEL,
    PARTICLE_WORDS,
    PARTICLES,
    TITLES,
)
from lockgate.extraction.spans import Entity

MODEL_NAME = "lockgate-person-ner"
MIN_F1 = 0.90
MIN_PRECISION = 0.90
# Given and family names the model's finds must hold one of (Faker's lists for these locales,
# public data, stored inside the model blob at training): a Title Case label, heading or
# product ("Account Number", "Market News", "Soybean Oil") holds none.
LEXICON_LOCALES = (
    "en_US",
    "en_GB",
    "fr_FR",
    "de_DE",
    "nl_NL",
    "it_IT",
    "es_ES",
    "pt_PT",
    "pl_PL",
    "sv_SE",
    "da_DK",
    "no_NO",
    "cs_CZ",
    "fi_FI",
    "ru_RU",
    "tr_TR",
)
_NAME_LISTS = (
    "first_names",
    "last_names",
    "first_names_male",
    "first_names_female",
    "last_names_male",
    "last_names_female",
)
_WORDS = re.compile(r"[^\W\d_]+")
# Longer texts are cut for the model (names further in still come from signature blocks).
MAX_MODEL_CHARS = 20_000
# Lines per forward pass of the model in `PersonFinder`.
PIPE_BATCH_LINES = 512
_ARCHITECTURE = {
    "@architectures": "spacy.TransitionBasedParser.v2",
    "state_type": "ner",
    "extra_state_tokens": False,
    "hidden_width": 64,
    "maxout_pieces": 2,
    "use_upper": True,
    "nO": None,
    "tok2vec": {
        "@architectures": "spacy.HashEmbedCNN.v2",
        "pretrained_vectors": None,
        "width": 64,
        "depth": 2,
        "embed_size": 2000,
        "window_size": 1,
        "maxout_pieces": 3,
        "subword_features": True,
    },
}

Labelled = tuple[str, list[tuple[int, int]]]  # text, person spans


@dataclass
class TrainedPersonModel:
    model_bytes: bytes
    metrics: dict[str, float]
    params: dict[str, str]
    data_digest: str


def data_digest(examples: list[Labelled]) -> str:
    digest = hashlib.sha256()
    for text, spans in examples:
        digest.update(hashlib.sha256(repr((text, sorted(spans))).encode()).digest())
    return digest.hexdigest()


def name_lexicon() -> list[str]:
    """Lower-case given and family names of LEXICON_LOCALES (Faker's person providers)."""
    import importlib

    names: set[str] = set()
    for locale in LEXICON_LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        for attribute in _NAME_LISTS:
            names.update(n.lower() for n in getattr(provider, attribute, ()) or ())
    return sorted(names)


# Frequent words of these languages that are no names make a find a phrase, not a name
# ("Price Total", "Linn Electronics"): wordfreq's lists (Apache-2.0 code, CC BY-SA 4.0 data),
# read at training and stored in the model blob like the names.
COMMON_WORD_LANGUAGES = ("en", "de", "fr", "nl", "es", "it")
COMMON_WORDS_PER_LANGUAGE = 10_000


def common_words() -> list[str]:
    """The most frequent words of COMMON_WORD_LANGUAGES, lower case, letters only."""
    from wordfreq import top_n_list

    words: set[str] = set()
    for language in COMMON_WORD_LANGUAGES:
        words.update(w for w in top_n_list(language, COMMON_WORDS_PER_LANGUAGE) if w.isalpha())
    return sorted(words)


def place_names() -> list[str]:
    """Lower-case names of countries and of their regions (ISO 3166 via pycountry: "North
    Carolina", "San Juan", "Puerto Rico"): a model's find that is one is a place."""
    import pycountry

    found = {c.name.lower() for c in pycountry.countries}
    found |= {getattr(c, "common_name", c.name).lower() for c in pycountry.countries}
    found |= {s.name.lower() for s in pycountry.subdivisions}
    return sorted(found)


@contextmanager
def _numpy_blas() -> Iterator[None]:
    """Build (and run) the model's layers on numpy's BLAS, one thread, not thinc's own blis.

    The model multiplies small matrices (width 64, a few thousand tokens a batch): blis ran
    them at 31-35 GFLOP/s here and numpy's OpenBLAS, on one thread, at 92-98, the same finds
    on every candidate line measured (docs/performance.md). One thread, because extraction
    runs one Python worker per core already."""
    from thinc.api import use_ops

    with use_ops("numpy", use_blis=False), _blas_pools().limit(limits=1):
        yield


@cache
def _blas_pools():
    """numpy's BLAS thread pool, found once per process (finding it costs 1.5 ms, limiting it
    0.02 ms, and `_names` limits it for every section `prepare` was not given)."""
    import numpy  # noqa: F401  (its BLAS is the one the model runs on)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas")


def _examples(nlp, data: list[Labelled]):
    from spacy.training import Example

    return [
        Example.from_dict(nlp.make_doc(text), {"entities": [(s, e, "PERSON") for s, e in spans]})
        for text, spans in data
    ]


def score(nlp, data: list[Labelled]) -> dict[str, float]:
    """Exact-span precision, recall and F1 of `nlp` on labelled texts."""
    tp = fp = fn = 0
    for (_text, spans), doc in zip(data, nlp.pipe(t for t, _ in data), strict=True):
        gold = set(spans)
        found = {(ent.start_char, ent.end_char) for ent in doc.ents}
        tp, fp, fn = tp + len(gold & found), fp + len(found - gold), fn + len(gold - found)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def train(
    train_data: list[Labelled], holdout: list[Labelled], epochs: int = 4, seed: int = 0
) -> TrainedPersonModel:
    """Fit a blank NER pipeline on `train_data` and score it on `holdout` (fixed seeds)."""
    import spacy
    import srsly

    spacy.util.fix_random_seed(seed)
    with _numpy_blas():
        nlp = spacy.blank("xx")
        ner = nlp.add_pipe("ner", config={"model": _ARCHITECTURE})
        ner.add_label("PERSON")
        examples = _examples(nlp, train_data)
        optimizer = nlp.initialize(lambda: examples)
        order = random.Random(seed)
        for _ in range(epochs):
            order.shuffle(examples)
            for batch in spacy.util.minibatch(examples, size=32):
                nlp.update(batch, sgd=optimizer, drop=0.2)
        metrics = score(nlp, holdout)
    blob = srsly.msgpack_dumps(
        {
            "config": nlp.config.to_str(),
            "weights": nlp.to_bytes(),
            "names": name_lexicon(),
            "common": common_words(),
            "places": place_names(),
        }
    )
    params = {
        "epochs": str(epochs),
        "seed": str(seed),
        "train_texts": str(len(train_data)),
        "holdout_texts": str(len(holdout)),
        "width": "64",
        "depth": "2",
    }
    return TrainedPersonModel(blob, metrics, params, data_digest(train_data + holdout))


def load(model_bytes: bytes):
    """The spaCy pipeline from a registered blob (msgpack: config text and weights, no code)."""
    return _load(model_bytes)[0]


# The word lists a model blob carries beside its weights (None when it was registered before
# it had one): given and family names, frequent words, place names.
_LISTS = ("names", "common", "places")


def _load(model_bytes: bytes):
    """(pipeline, names, common words, places) of a registered blob."""
    import spacy
    import srsly
    from thinc.api import Config

    blob = srsly.msgpack_loads(model_bytes)
    with _numpy_blas():
        nlp = spacy.util.load_model_from_config(Config().from_str(blob["config"]), auto_fill=True)
    lists = [frozenset(blob[key]) if blob.get(key) else None for key in _LISTS]
    return nlp.from_bytes(blob["weights"]), *lists


# A full name has two capitalised words, maybe with particles between (van der, de, von, le).
_NAME_CANDIDATE = re.compile(
    r"\b[^\W\d_a-z][^\W\d_]*[\w'’-]*(?:[ \t]+(?:van|de|der|den|von|le|la|du|ter|ten|da|di|del|op|'t)){0,3}"
    r"[ \t]+[^\W\d_a-z][^\W\d_]*"
)


def _candidate_lines(text: str) -> list[tuple[int, str]]:
    """(offset, line) of each line of `text` (cut at MAX_MODEL_CHARS) that can hold a full name."""
    lines, pos = [], 0
    for line in text[:MAX_MODEL_CHARS].split("\n"):
        if _NAME_CANDIDATE.search(line):
            lines.append((pos, line))
        pos += len(line) + 1
    return lines


Names = list[tuple[int, str]]  # (start in the line, text) of each PERSON the model found


def _as_title_case(line: str) -> str:
    """A line's words in capitals ("CHARLES M. SEVILLA, ESQ., Deputy ...") as the model learned
    names, in Title Case, character for character (the offsets stay the line's), when two or
    more stand on it; other lines as they are."""
    if not _TWO_CAPITALS.search(line):
        return line
    capitals = [m for m in _CAPITALS.finditer(line) if len(m.group(0)) > 1]
    if len(capitals) < 2:
        return line
    out = list(line)
    for m in capitals:
        for i in range(m.start() + 1, m.end()):
            if len(out[i].lower()) == 1:
                out[i] = out[i].lower()
    return "".join(out)


_TWO_CAPITALS = re.compile(r"[^\W\d_a-z]{2}")
_CAPITALS = re.compile(r"(?<![^\W\d_])[^\W\d_a-z]+(?![^\W\d_])")


class PersonFinder:
    """`finder(text, source)` → PERSON entities found by the model.

    Only lines that hold two capitalised words in a row go through the model: a name cannot
    be elsewhere, and most lines of a letter are not such lines (about 4x less model work).
    The model reads each line as a text of its own, so a line's names do not depend on the
    text around it: `prepare(texts)` runs the model once over the distinct candidate lines of
    a whole batch of documents, and calls on those texts then only look their lines up. One
    model call per batch instead of one per section is what makes the model cheap (its cost
    is mostly per call, not per line).
    """

    def __init__(
        self,
        nlp,
        version: str,
        names: frozenset[str] | None = None,
        common: frozenset[str] | None = None,
        places: frozenset[str] | None = None,
    ):
        self.nlp = nlp
        self.version = version
        self.names = names
        self.common = common
        self.places = places or frozenset()
        self._prepared: dict[str, Names] = {}

    def _is_name(self, found: str, titled: bool = False) -> bool:
        """A full name: two words at least, holding a known given or family name (when the
        model carries a lexicon), no place (a country, a region or a city that a lexicon name
        is part of: "San Juan", "North Carolina") and, unless a form of address or a name
        label stands before it, no frequent word that is no name ("Price Total", "Linn
        Electronics"): the model's finds in headings, table labels and company names."""
        words = _WORDS.findall(found)
        if len(words) < 2:
            return False
        if self.names is None:
            return True
        lower = [w.lower() for w in words]
        if not any(w in self.names for w in lower):
            return False
        first = next(w for w in lower if w not in PARTICLE_WORDS)
        if not titled and len(first) > 1 and first not in self.names:
            return False  # "Basismenge Steuer": a name starts with a given name or an initial
        if " ".join(lower) in self.places or " ".join(lower[-2:]) in self.places:
            return False
        if titled or self.common is None:
            return True
        # a word after a particle is a family name, frequent word or not ("van Boven")
        after_particle = {
            w for previous, w in zip(lower, lower[1:], strict=False) if previous in PARTICLE_WORDS
        }
        return not any(
            w in self.common and w not in self.names
            for w in lower
            if len(w) > 1 and w not in PARTICLE_WORDS and w not in after_particle
        )

    def _names(self, lines: list[str]) -> dict[str, Names]:
        with _numpy_blas():
            docs = self.nlp.pipe(
                [_as_title_case(line) for line in lines], batch_size=PIPE_BATCH_LINES
            )
            return {
                line: [(ent.start_char, ent.text) for ent in doc.ents]
                for line, doc in zip(lines, docs, strict=True)
            }

    def prepare(self, texts: Iterable[str]) -> None:
        """Find the names of every candidate line of `texts` in one pass of the model; forgets
        the lines of the previous `prepare` (memory stays one batch's lines)."""
        lines = dict.fromkeys(line for text in texts for _, line in self._lines(text))
        self._prepared = self._names(list(lines))

    def _lines(self, text: str) -> list[tuple[int, str]]:
        """The candidate lines of `text` that hold a known name: a find must hold one to count
        (`_is_name`), so the model need not read the others (headings, labels, most lines)."""
        lines = _candidate_lines(text)
        if self.names is None:
            return lines
        return [
            (offset, line)
            for offset, line in lines
            if any(w.lower() in self.names for w in _WORDS.findall(line))
        ]

    def __call__(self, text: str, source: str) -> list[Entity]:
        lines = self._lines(text)
        known = self._prepared
        unseen = [line for _, line in lines if line not in known]
        if unseen:  # a text `prepare` was not given
            known = known | self._names(list(dict.fromkeys(unseen)))
        found = []
        if self.names is not None and self.common is not None:
            for start, end, _rule in context_names(text, self.names, self.common):
                if not any(start < e.end and e.start < end for e in found):
                    name = text[start:end]
                    found.append(Entity("PERSON", name, name, source, start, end, True, 0.8))
        context = list(found)  # where the words around a name say where it is, they win
        for offset, line in lines:
            for start_char, text_found in known[line]:
                span = refine(line, start_char, start_char + len(text_found))
                if span is None:
                    continue
                start, end, titled = span
                name = line[start:end]
                if not self._is_name(name, titled):
                    continue  # a single token, no known name in it, a place or a phrase
                if any(offset + start < e.end and e.start < offset + end for e in context):
                    continue
                found.append(
                    Entity(
                        "PERSON",
                        name,
                        name,
                        source,
                        offset + start,
                        offset + end,
                        True,
                        0.9 if titled else 0.85,
                    )
                )
        return sorted(found, key=lambda e: e.start)


# What stands before a name and is not part of it: forms of address and titles.
_ADDRESS_OR_TITLE = alternation(FORMS_OF_ADDRESS + ABBREVIATED_ONLY + TITLES, dotted=True)
_HONORIFIC = re.compile(
    rf"(?:{_ADDRESS_OR_TITLE}[ \t]+)+",
    re.IGNORECASE,
)
# A greeting the model took into a name ("Beste Jill van Verdun"): not part of it.
_GREETING = re.compile(rf"{alternation(GREETINGS)}[ \t]+", re.IGNORECASE)
# A label a name is written after (a contact line of an invoice or a form).
_NAME_LABEL = re.compile(rf"(?:{NAME_LABEL})[ \t]*[:.]?[ \t]*$", re.IGNORECASE)
_PARTICLES = tuple(f"{p} " for p in PARTICLES)
_INITIAL_AND_NAME = re.compile(r"[ \t]+[^\W\d_]\.(?:[ \t]*[^\W\d_]\.)*[ \t]+[^\W\d_a-z][^\W\d_]+")
_SURNAME_AFTER = re.compile(r"[ \t]+[^\W\d_a-z][^\W\d_]+")
_HYPHENATED_AFTER = re.compile(r"-[^\W\d_a-z][^\W\d_]+")
_HYPHENATED_BEFORE = re.compile(r"[^\W\d_a-z][^\W\d_]+-$")


def refine(line: str, start: int, end: int) -> tuple[int, int, bool] | None:
    """The model's find made a name as written: without the form of address before it
    ("Herr", "Mme") or the title or label after two spaces, without trailing punctuation, and
    with the parts the model cut off (a hyphenated given or family name, "Justin R." before
    "Miller", a particle before "Lattre"). (start, end, whether a form of address or a name label
    stands before it) or None when nothing is left."""
    if greeting := _GREETING.match(line, start, end):
        start = greeting.end()
    found = line[start:end]
    honorific = _HONORIFIC.match(found)
    titled = bool(honorific)
    if honorific:
        start += honorific.end()
    gap = re.search(r"[ \t]{2,}|\t", line[start:end])
    if gap:
        end = start + gap.start()
    while (
        end > start
        and not line[end - 1].isalpha()
        and not (
            line[end - 1] == "."
            and end - 2 >= start
            and line[end - 2].isalpha()
            and (end - 3 < start or not line[end - 3].isalpha())
        )
    ):
        end -= 1
    if end <= start:
        return None
    # "Justin R." before "Miller"; "Justin" before "R. Miller"
    if m := (_SURNAME_AFTER if line[end - 1] == "." else _INITIAL_AND_NAME).match(line, end):
        end = m.end()
    if m := _HYPHENATED_AFTER.match(line, end):
        end = m.end()
    if m := _HYPHENATED_BEFORE.search(line[:start]):
        start = m.start()
    before = line[:start].lower()
    for particle in _PARTICLES:  # "de Lattre": only where no word comes first ("part de Michelle")
        if before.endswith(particle) and line[start - len(particle)].islower():
            ahead = line[: start - len(particle)]
            if not ahead.strip() or _HONORIFIC_BEFORE.search(ahead):
                start -= len(particle)
            break
    before = line[:start]
    if (
        _COMPANY_AFTER.match(line, end)
        or _STREET_BEFORE.search(before)
        or _STREET_AFTER.match(line, end)
    ):
        return None  # "Robert Schneider AG", "27 rue Henri Rolland", "Henri Rolland Street"
    if not titled and (_HONORIFIC_BEFORE.search(before) or _NAME_LABEL.search(before)):
        titled = True
    return start, end, titled


# A legal form after a name makes it a company's; a street word before or after it, a street's.
_COMPANY_AFTER = re.compile(rf"[ \t]*,?[ \t]*{alternation(LEGAL_FORMS)}(?![^\W\d_])")
_STREET_BEFORE = re.compile(
    r"(?i)\b(?:rue|avenue|av\.|bd|boulevard|place|chemin|allée|impasse|quai|cours|via|viale|piazza"
    r"|calle|avenida|plaza|rua|praça)[ \t]+(?:de[ \t]+la[ \t]+|du[ \t]+|des[ \t]+|de[ \t]+)?$"
)
_STREET_AFTER = re.compile(
    r"(?:-?(?:straße|strasse|str\.|weg|platz|allee|laan|straat|plein|gracht|kade|singel)\b"
    r"|[ \t]+(?:Street|St\.|Road|Rd\.?|Avenue|Ave\.?|Lane|Drive|Square|Straße|Strasse|Str\.|Weg"
    r"|Platz|Allee|Laan|Straat|Plein)\b)"
)


_HONORIFIC_BEFORE = re.compile(
    rf"(?:^|[\s,;(]){_ADDRESS_OR_TITLE}[ \t]+$",
    re.IGNORECASE,
)


@cache
def finder_from_bytes(model_bytes: bytes, version: str) -> PersonFinder:
    """One finder per model blob per process (Spark Python workers are reused across tasks)."""
    nlp, *lists = _load(model_bytes)
    return PersonFinder(nlp, version, *lists)
