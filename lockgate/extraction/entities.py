"""Every field in a text: identifiers, amounts, dates, references, contacts and person names.

Identifiers with check digits are validated with schwifty and python-stdnum; a candidate
that fails its check is kept with `valid=False` (a rejected candidate), never dropped.
"""

from __future__ import annotations

from lockgate.extraction import amounts, contacts, dates, identifiers, names
from lockgate.extraction.spans import Entity, resolve_overlaps

ENTITY_TYPES = (
    "IBAN",
    "BIC",
    "ISIN",
    "LEI",
    "AMOUNT",
    "DATE",
    "REFERENCE",
    "EMAIL",
    "PHONE",
    "PERSON",
)


def extract_entities(
    text: str,
    source: str,
    language: str | None = None,
    person_finder=None,
    country: str | None = None,
    month_first: bool = False,
) -> list[Entity]:
    """Fields found in `text`, spans relative to it; one entity per span (see `resolve_overlaps`).

    `country` (the sender's, when known) and else `language` pick the region national phone
    numbers are read in, and `country` which dollar "$" is; `month_first` is the order of numeric dates that read both ways;
    `person_finder(text, source)` is the trained name model, added to the names under a
    signature's closing formula.
    """
    candidates = (
        identifiers.ibans(text, source)
        + identifiers.bics(text, source)
        + identifiers.isins(text, source)
        + identifiers.leis(text, source)
        + amounts.amounts(text, source, country)
        + dates.dates(text, source, month_first)
        + contacts.references(text, source)
        + contacts.emails(text, source)
        + contacts.phones(text, source, language, country)
        + names.signature_names(text, source)
    )
    if person_finder is not None:
        candidates += person_finder(text, source)
    return resolve_overlaps(candidates)
