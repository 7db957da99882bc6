"""Every field in a text: identifiers, amounts, dates, references, contacts and person names.

Identifiers with check digits are validated with schwifty and python-stdnum; a candidate
that fails its check is kept with `valid=False` (a rejected candidate), never dropped.
"""

from __future__ import annotations

from lockgate.extraction import amounts, contacts, dates, identifiers, names
from lockgate.extraction.spans import Entity, resolve_overlaps
from lockgate.extraction.stopwatch import stage

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
    finds = (
        ("field.IBAN", identifiers.ibans, (text, source)),
        ("field.BIC", identifiers.bics, (text, source)),
        ("field.ISIN", identifiers.isins, (text, source)),
        ("field.LEI", identifiers.leis, (text, source)),
        ("field.AMOUNT", amounts.amounts, (text, source, country)),
        ("field.DATE", dates.dates, (text, source, month_first)),
        ("field.REFERENCE", contacts.references, (text, source)),
        ("field.EMAIL", contacts.emails, (text, source)),
        ("field.PHONE", contacts.phones, (text, source, language, country)),
        ("field.PERSON", names.signature_names, (text, source)),
    )
    candidates: list[Entity] = []
    for stage_name, find, arguments in finds:
        with stage(stage_name):
            candidates += find(*arguments)
    if person_finder is not None:
        with stage("names.model"):
            candidates += person_finder(text, source)
    return resolve_overlaps(candidates)
