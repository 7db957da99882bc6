"""The ground truth of a generated file: its planted entities as they appear in its format, and
the urgency labelling rule (with its deliberate noise)."""

from __future__ import annotations

import hashlib
from dataclasses import asdict

from lockgate.tooling.corpus.compose import Letter, is_latin1


def truth_entities(letter: Letter, fmt: str) -> list[dict]:
    if fmt == "eml":
        parts = [letter.subject, letter.body] + ([letter.attachment] if letter.attachment else [])
        spans = [asdict(e) for part in parts for e in part.entities]
        if letter.forwarded is not None:
            inner = letter.forwarded
            spans += [asdict(e) | {"source": "attachment"} for e in inner.body.entities]
        return spans
    # Non-email formats carry the subject as the first line of the text.
    offset = len(letter.subject.text) + 2
    spans = [asdict(e) | {"source": "body"} for e in letter.subject.entities]
    spans += [
        asdict(e) | {"start": e.start + offset, "end": e.end + offset} for e in letter.body.entities
    ]
    return spans


URGENT_AMOUNT = 3_000_000.0
URGENCY_NOISE = 5  # of 256: about 2% of labels disagree with the rule, as real labels do


def urgency_label(entities: list[dict], doc_seed: int) -> str:
    """The urgency an operations analyst gave a letter: a large sum, or a transfer with dates.

    A function of what is in the letter (so a model on extracted fields can learn it) with a
    little noise drawn from the document's own seed, not from the corpus generator's stream.
    """
    amounts = [float(e["normalized"].split()[0]) for e in entities if e["type"] == "AMOUNT"]
    ibans = sum(e["type"] == "IBAN" for e in entities)
    dates = sum(e["type"] == "DATE" for e in entities)
    urgent = max(amounts, default=0.0) >= URGENT_AMOUNT or (ibans >= 1 and dates >= 2)
    if hashlib.sha256(f"urgency:{doc_seed}".encode()).digest()[0] < URGENCY_NOISE:
        urgent = not urgent
    return "urgent" if urgent else "routine"


def truth_for_hostile(kind: str, letter: Letter) -> list[dict]:
    if kind != "wrong_charset":
        return []
    subject = [asdict(e) for e in letter.subject.entities]
    # Values with characters Latin-1 cannot carry are lost in transit; only the rest are truth.
    body = [asdict(e) for e in letter.body.entities if is_latin1(e.value) and "€" not in e.value]
    return subject + body
