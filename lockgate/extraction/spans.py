"""One found field (`Entity`) and what is done with a set of them: overlap resolution and masking."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    """A field found in one text section; `start`/`end` are offsets into that section's text.

    `valid=False` marks a rejected candidate (e.g. a wrong check digit): kept for review,
    never used as a value downstream.
    """

    type: str
    value: str
    normalized: str
    source: str
    start: int
    end: int
    valid: bool
    confidence: float


def resolve_overlaps(candidates: list[Entity]) -> list[Entity]:
    """Keep one entity per span: valid before rejected, longer before shorter, surer before less sure."""
    ranked = sorted(
        candidates, key=lambda e: (not e.valid, -(e.end - e.start), -e.confidence, e.start)
    )
    taken: list[tuple[int, int]] = []
    kept = []
    for entity in ranked:
        if any(entity.start < end and start < entity.end for start, end in taken):
            continue
        taken.append((entity.start, entity.end))
        kept.append(entity)
    return sorted(kept, key=lambda e: (e.start, e.type))


def mask_text(text: str, entities: list[Entity]) -> str:
    """`text` with every entity replaced by its type token, e.g. `<IBAN>`; raw values stay out."""
    out, pos = [], 0
    for entity in sorted(entities, key=lambda e: e.start):
        if entity.start < pos:
            continue
        out.append(text[pos : entity.start])
        out.append(f"<{entity.type}>")
        pos = entity.end
    out.append(text[pos:])
    return "".join(out)
