"""Dates in numeric and written forms, in English, French, Dutch and German, normalised to ISO 8601.

Month names come from the CLDR data in Babel. Numeric dates are read day first, as written
in Europe; an impossible date (31/02) is kept as a rejected candidate.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from lockgate.extraction.spans import Entity

LOCALES = ("en", "fr", "nl", "de")


@cache
def month_numbers() -> dict[str, int]:
    """Lower-case month name or abbreviation (without its dot) → month number, for every locale."""
    from babel.dates import get_month_names

    names: dict[str, int] = {}
    for locale in LOCALES:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                for number, name in get_month_names(width, context, locale=locale).items():
                    names[name.lower().rstrip(".")] = number
    names["sept"] = 9
    return names


@cache
def _patterns() -> list[tuple[re.Pattern, tuple[str, ...]]]:
    month = "|".join(re.escape(n) for n in sorted(month_numbers(), key=len, reverse=True))
    ordinal = r"(?:st|nd|rd|th|er|e|ste|de)?"
    gap = r"[ \n\u00a0]"  # written-out dates may wrap across a line in PDFs
    return [
        (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("y", "m", "d")),
        (re.compile(r"(?<![\d./-])(\d{1,2})([./-])(\d{1,2})\2(\d{4})\b"), ("d", "_", "m", "y")),
        (
            re.compile(
                rf"\b(\d{{1,2}}){ordinal}\.?{gap}({month})\.?,?{gap}(\d{{4}})\b", re.IGNORECASE
            ),
            ("d", "M", "y"),
        ),
        (re.compile(rf"\b(\d{{1,2}})-({month})-(\d{{4}})\b", re.IGNORECASE), ("d", "M", "y")),
        (
            re.compile(
                rf"\b({month})\.?{gap}(\d{{1,2}}){ordinal},?{gap}(\d{{4}})\b", re.IGNORECASE
            ),
            ("M", "d", "y"),
        ),
    ]


def dates(text: str, source: str) -> list[Entity]:
    found = []
    months = month_numbers()
    for pattern, order in _patterns():
        for m in pattern.finditer(text):
            parts = dict(zip(order, m.groups(), strict=True))
            month = months[parts["M"].lower().rstrip(".")] if "M" in parts else int(parts["m"])
            try:
                day = date(int(parts["y"]), month, int(parts["d"]))
            except ValueError:
                found.append(Entity("DATE", m.group(0), "", source, m.start(), m.end(), False, 0.2))
                continue
            found.append(
                Entity("DATE", m.group(0), day.isoformat(), source, m.start(), m.end(), True, 0.9)
            )
    return found
