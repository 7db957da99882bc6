"""Dates in numeric and written forms, normalised to ISO 8601, read under a locale policy.

Month names and abbreviations come from the CLDR data in Babel for seventeen languages. A
numeric date whose day and month could be swapped (03/04/2026) is read in the document's date
order (day first, as in Europe, or month first, as in the United States: `Limits`'
month_first_countries)
and flagged with a lower confidence; one that only one order makes valid (1/27/2021) is read
in that order whatever the policy says. An impossible date (31/02) is kept as a rejected
candidate.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from lockgate.extraction.spans import Entity

LOCALES = (
    "en",
    "fr",
    "nl",
    "de",
    "es",
    "it",
    "pt",
    "sv",
    "da",
    "nb",
    "pl",
    "cs",
    "fi",
    "ro",
    "tr",
    "ru",
    "uk",
)
SURE, AMBIGUOUS, REJECTED = 0.9, 0.6, 0.2


@cache
def month_numbers() -> dict[str, int]:
    """Lower-case month name or abbreviation (without its dot) → month number, for every locale."""
    from babel.dates import get_month_names

    names: dict[str, int] = {}
    for locale in LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale=locale).items():
                    names.setdefault(name.lower().rstrip("."), number)
    names["sept"] = 9
    return names


_GAP = r"[ \n\u00a0]"  # written-out dates may wrap across a line in PDFs
_ORDINAL = r"(?:st|nd|rd|th|er|e|ste|de|º|\.)?"
_MONTH = r"([^\W\d_]{3,12})\.?"  # a word, then looked up in `month_numbers`
_YEAR_DIGITS = r"((?:19|20)\d\d)"  # a four-digit year
_YEAR = rf"{_YEAR_DIGITS}(?!\d)"  # ... standing alone; a letter may follow (PDF text runs on)
# Compact dates are read only where a format or a label says they are dates: the SWIFT MT
# fields that open with one (:30V:20090224, :32A:, :61:200125, :60F:C200101EUR...), and a
# "date"/"datum"/"fecha"... label on their line (DATE DE LIVRAISON : 20181230).
_SWIFT_FIELD = r"(?m)^:(?:30[A-Z]?|31[A-Z]?|32A|33A|34A|61|6[02][FM]|64|65):[CD]?"
_DATE_LABEL = r"(?i)\b(?:date|dated|datum|fecha|data|datum\w*)\b[^\n\d]{0,30}?"
# (pattern, what its groups are[, words one of which the text must hold in lower case for the
# pattern to run]): y year, m month, d day, M month name, a/b a numeric date's first and second
# numbers (their order is the locale's), _ a separator. The date's span is from its first group
# to its last.
_PATTERNS = (
    (re.compile(rf"\b{_YEAR_DIGITS}-(\d{{2}})-(\d{{2}})\b"), ("y", "m", "d")),
    # the year may follow a space or, in PDF text, the next line (16.09.\n    2024)
    (
        re.compile(rf"(?<![\d./-])(\d{{1,2}})([./-])(\d{{1,2}})\2(?: |[ \t]*\n[ \t]*)?{_YEAR}"),
        ("a", "_", "b", "y"),
    ),
    # two-digit years need two-digit days and months (3.10.12 is a version, 01.05.14 a date)
    (re.compile(r"(?<![\d./])(\d{2})([./-])(\d{2})\2(\d{2})(?!\d|[./]\d)"), ("a", "_", "b", "y")),
    (
        re.compile(
            rf"\b(\d{{1,2}}){_ORDINAL}{_GAP}(?:de{_GAP})?{_MONTH},?{_GAP}(?:de{_GAP})?{_YEAR}"
        ),
        ("d", "M", "y"),
    ),
    (re.compile(rf"\b(\d{{1,2}})-{_MONTH}-(\d{{4}}|\d{{2}})\b"), ("d", "M", "y")),
    (re.compile(rf"\b{_MONTH}{_GAP}(\d{{1,2}}){_ORDINAL},?{_GAP}{_YEAR}"), ("M", "d", "y")),
    (re.compile(rf"\b{_MONTH}-(\d{{1,2}})-(\d{{4}}|\d{{2}})\b"), ("M", "d", "y")),  # March-09-12
    (re.compile(rf"\b{_YEAR}{_GAP}{_MONTH}{_GAP}(\d{{1,2}})\b"), ("y", "M", "d")),  # 1995 Sep 19
    (re.compile(r"(\d{4})\s?年\s?(\d{1,2})\s?月\s?(\d{1,2})\s?日"), ("y", "m", "d"), ("年",)),
    (re.compile(rf"{_SWIFT_FIELD}{_YEAR_DIGITS}(\d\d)(\d\d)(?!\d)"), ("y", "m", "d")),
    (re.compile(rf"{_SWIFT_FIELD}(\d\d)(\d\d)(\d\d)"), ("y", "m", "d")),
    (
        re.compile(rf"{_DATE_LABEL}{_YEAR_DIGITS}(\d\d)(\d\d)(?!\d)"),
        ("y", "m", "d"),
        ("dat", "fecha"),
    ),
)


def _year(text: str) -> int:
    """A four-digit year as written; a two-digit one in the century that puts it nearest."""
    year = int(text)
    return year if len(text) == 4 else (2000 + year if year < 70 else 1900 + year)


def _day_month(parts: dict[str, str], first_is_month: bool) -> tuple[int, int, bool]:
    """(day, month, ambiguous) of a numeric date's two leading numbers."""
    a, b = int(parts["a"]), int(parts["b"])
    if a > 12 >= b:
        return a, b, False
    if b > 12 >= a:
        return b, a, False
    ambiguous = a != b
    return (b, a, ambiguous) if first_is_month else (a, b, ambiguous)


def dates(text: str, source: str, first_is_month: bool = False) -> list[Entity]:
    """Every date in `text`; numeric dates that could be read both ways in the order of
    `first_is_month`, with the confidence `AMBIGUOUS`."""
    found = []
    months = month_numbers()
    lower = text.lower()
    for pattern, order, *keys in _PATTERNS:
        if keys and not any(k in lower for k in keys[0]):
            continue
        for m in pattern.finditer(text):
            parts = dict(zip(order, m.groups(), strict=True))
            ambiguous = False
            if "M" in parts:
                month = months.get(parts["M"].lower())
                if month is None:
                    continue  # a word that is no month: "12 items 2026"
                day = int(parts["d"])
            elif "a" in parts:
                day, month, ambiguous = _day_month(parts, first_is_month)
            else:
                day, month = int(parts["d"]), int(parts["m"])
            start, end = m.start(1), m.end(m.lastindex)
            try:
                value = date(_year(parts["y"]), month, day)
            except ValueError:
                found.append(
                    Entity("DATE", text[start:end], "", source, start, end, False, REJECTED)
                )
                continue
            found.append(
                Entity(
                    "DATE",
                    text[start:end],
                    value.isoformat(),
                    source,
                    start,
                    end,
                    True,
                    AMBIGUOUS if ambiguous else SURE,
                )
            )
    return found
