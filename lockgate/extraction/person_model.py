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
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from lockgate.extraction.spans import Entity

MODEL_NAME = "lockgate-person-ner"
MIN_F1 = 0.90
MIN_PRECISION = 0.90
# Given and family names the model's finds must hold one of (Faker's lists for these locales,
# public data, stored inside the model blob at training): a Title Case label, heading or
# product ("Account Number", "Market News", "Soybean Oil") holds none.
LEXICON_LOCALES = (
    "en_US", "en_GB", "fr_FR", "de_DE", "nl_NL", "it_IT", "es_ES", "pt_PT", "pl_PL", "sv_SE",
    "da_DK", "no_NO", "cs_CZ", "fi_FI", "ru_RU", "tr_TR",
)  # fmt: skip
_NAME_LISTS = ("first_names", "last_names", "first_names_male", "first_names_female",
               "last_names_male", "last_names_female")  # fmt: skip
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
    blob = srsly.msgpack_dumps({"config": nlp.config.to_str(), "weights": nlp.to_bytes(),
                                "names": name_lexicon()})  # fmt: skip
    params = {"epochs": str(epochs), "seed": str(seed), "train_texts": str(len(train_data)),
              "holdout_texts": str(len(holdout)), "width": "64", "depth": "2"}  # fmt: skip
    return TrainedPersonModel(blob, metrics, params, data_digest(train_data + holdout))


def load(model_bytes: bytes):
    """The spaCy pipeline from a registered blob (msgpack: config text and weights, no code)."""
    return _load(model_bytes)[0]


def _load(model_bytes: bytes):
    """(pipeline, its name lexicon or None for a model registered before it had one)."""
    import spacy
    import srsly
    from thinc.api import Config

    blob = srsly.msgpack_loads(model_bytes)
    nlp = spacy.util.load_model_from_config(Config().from_str(blob["config"]), auto_fill=True)
    names = blob.get("names")
    return nlp.from_bytes(blob["weights"]), (frozenset(names) if names else None)


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

    def __init__(self, nlp, version: str, names: frozenset[str] | None = None):
        self.nlp = nlp
        self.version = version
        self.names = names
        self._prepared: dict[str, Names] = {}

    def _is_name(self, found: str) -> bool:
        """A full name (two words at least) holding a known given or family name, when the
        model carries a lexicon."""
        words = _WORDS.findall(found)
        if len(words) < 2:
            return False
        return self.names is None or any(w.lower() in self.names for w in words)

    def _names(self, lines: list[str]) -> dict[str, Names]:
        docs = self.nlp.pipe(lines, batch_size=PIPE_BATCH_LINES)
        return {
            line: [(ent.start_char, ent.text) for ent in doc.ents]
            for line, doc in zip(lines, docs, strict=True)
        }

    def prepare(self, texts: Iterable[str]) -> None:
        """Find the names of every candidate line of `texts` in one pass of the model; forgets
        the lines of the previous `prepare` (memory stays one batch's lines)."""
        lines = dict.fromkeys(line for text in texts for _, line in _candidate_lines(text))
        self._prepared = self._names(list(lines))

    def __call__(self, text: str, source: str) -> list[Entity]:
        lines = _candidate_lines(text)
        known = self._prepared
        unseen = [line for _, line in lines if line not in known]
        if unseen:  # a text `prepare` was not given
            known = known | self._names(list(dict.fromkeys(unseen)))
        found = []
        for offset, line in lines:
            for start_char, text_found in known[line]:
                name = text_found.strip()
                if " " not in name or not self._is_name(name):
                    continue  # a single token, or no known name in it
                start = offset + start_char + text_found.index(name)
                found.append(
                    Entity("PERSON", name, name, source, start, start + len(name), True, 0.85)
                )
        return found


@cache
def finder_from_bytes(model_bytes: bytes, version: str) -> PersonFinder:
    """One finder per model blob per process (Spark Python workers are reused across tasks)."""
    nlp, names = _load(model_bytes)
    return PersonFinder(nlp, version, names)


def training_data(texts: int, seed: int) -> list[Labelled]:
    """Person spans of generated letters in four languages."""
    from lockgate.corpus.generator import labelled_texts

    return [
        (text, [(s, e) for s, e, kind in spans if kind == "PERSON"])
        for _, text, spans in labelled_texts(texts, seed)
    ]
