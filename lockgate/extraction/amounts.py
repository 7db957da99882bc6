"""Amounts with a currency: ISO codes or symbols, before or after, in 1,234.56 / 1.234,56 / 1 234,56 styles."""

from __future__ import annotations

import re

from lockgate.extraction.spans import Entity

CURRENCY_CODES = (
    "EUR",
    "USD",
    "GBP",
    "CHF",
    "JPY",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "CAD",
    "AUD",
)
SYMBOLS = {"€": "EUR", "$": "USD", "US$": "USD", "£": "GBP", "¥": "JPY"}
_THOUSANDS = "[,.'\u00a0\u202f ]"
_NUMBER = rf"(?:\d{{1,3}}(?:{_THOUSANDS}\d{{3}})+|\d+)(?:[.,]\d{{1,2}})?"
_CURRENCY = "|".join(
    [*CURRENCY_CODES, *(re.escape(s) for s in sorted(SYMBOLS, key=len, reverse=True))]
)
_AMOUNT = re.compile(
    rf"(?<![\w.,])(?P<pre>{_CURRENCY})[\u00a0 ]?(?P<n1>{_NUMBER})(?![\d])"
    rf"|(?<![\w.,])(?P<n2>{_NUMBER})[\u00a0 ]?(?P<post>{_CURRENCY})(?![A-Za-z])"
)


def normalize_number(number: str) -> str | None:
    """'1.234,56' and '1,234.56' → '1234.56'; a separator followed by three digits groups thousands."""
    last = max(number.rfind("."), number.rfind(","))
    if last != -1 and len(number) - last - 1 in (1, 2):
        whole, frac = number[:last], number[last + 1 :]
    else:
        whole, frac = number, "00"
    whole = re.sub(r"[^\d]", "", whole)
    if not whole:
        return None
    return f"{int(whole)}.{frac.ljust(2, '0')}"


def amounts(text: str, source: str) -> list[Entity]:
    found = []
    for m in _AMOUNT.finditer(text):
        mark = m.group("pre") or m.group("post")
        currency = SYMBOLS.get(mark, mark)
        value = normalize_number(m.group("n1") or m.group("n2"))
        if value is None:
            continue
        found.append(
            Entity(
                "AMOUNT", m.group(0), f"{value} {currency}", source, m.start(), m.end(), True, 0.9
            )
        )
    return found
