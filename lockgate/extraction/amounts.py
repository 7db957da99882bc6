"""Amounts with a currency: ISO codes, symbols or words (en, fr, nl, de), before or after the
number, in 1,234.56 / 1.234,56 / 1 234,56 styles, with their sign.

A negative amount is written with a leading minus, a trailing minus or its number in
parentheses, as accountants do; the sign is kept in the normalised value (`-198.90 USD`).
A number that runs on into a longer token (`$5.1.5`, `2046,`) is not an amount. A currency on the line before or
after its number (an HTML table's cells) is read when nothing on the same line claims it.
"""

from __future__ import annotations

import re

from lockgate.extraction.spans import Entity

CURRENCY_CODES = (
    "EUR", "USD", "GBP", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK", "CAD", "AUD",
)  # fmt: skip
SYMBOLS = {"€": "EUR", "$": "USD", "US$": "USD", "£": "GBP", "¥": "JPY"}
# Currency words after a number, in the four languages (matched without regard to case).
WORDS = {
    "euro": "EUR", "euros": "EUR",
    "us dollars": "USD", "us dollar": "USD", "us-dollar": "USD", "dollars": "USD",
    "dollar": "USD", "dollars américains": "USD", "amerikaanse dollar": "USD",
    "pounds sterling": "GBP", "pound sterling": "GBP", "pounds": "GBP", "pound": "GBP",
    "livres sterling": "GBP", "livre sterling": "GBP", "pfund sterling": "GBP", "pfund": "GBP",
    "britse pond": "GBP", "pond sterling": "GBP",
    "swiss francs": "CHF", "swiss franc": "CHF", "francs suisses": "CHF", "franc suisse": "CHF",
    "schweizer franken": "CHF", "franken": "CHF", "zwitserse franken": "CHF",
    "zwitserse frank": "CHF", "yen": "JPY",
}  # fmt: skip
_THOUSANDS = "[,.'\u00a0\u202f ]"
# Two decimals, or four to six for a unit price (three would read as a thousands group).
_NUMBER = rf"(?:\d{{1,3}}(?:{_THOUSANDS}\d{{3}})+|\d+)(?:[.,]\d{{1,2}}(?!\d)|[.,]\d{{4,6}})?"
_SYMBOL = "|".join(re.escape(s) for s in sorted(SYMBOLS, key=len, reverse=True))
_CODE = "|".join(CURRENCY_CODES)
_WORD = "|".join(re.escape(w).replace(r"\ ", " ") for w in sorted(WORDS, key=len, reverse=True))
_BEFORE = rf"(?P<pre>{_CODE}|{_SYMBOL})"
_AFTER = rf"(?:\((?P<paren>{_CODE})\)|(?P<post>{_CODE}|{_SYMBOL}|(?i:{_WORD})))"
_START = r"(?<![\w.,])(?<!\w-)"  # not inside a longer token (nor hyphenated to one)
_NUMBER_END = r"(?![\d]|[.,]\d)"  # nor running on into one
_WORD_END = r"(?!\.?[^\W\d_])"  # a code's number is not glued to a word (EUR01.prod)


def _pattern(gap: str) -> re.Pattern:
    return re.compile(
        rf"{_START}{_BEFORE}{gap}(?P<open>\()?(?P<minus>[{_MINUS}])?(?P<n1>{_NUMBER}){_NUMBER_END}"
        rf"{_WORD_END}"
        rf"|{_START}(?P<n2>{_NUMBER}){_NUMBER_END}(?P<trail>-)?(?P<close>\))?{gap}{_AFTER}"
        r"(?![A-Za-z])"
    )


_MINUS = "-\u2212\u2013"  # hyphen-minus, minus sign, en dash
_SAME_LINE = _pattern(r"[\u00a0\u202f ]?")
_NEXT_LINE = _pattern(r"[ \t]*\r?\n[ \t]*")


def normalize_number(number: str) -> str | None:
    """'1.234,56' and '1,234.56' → '1234.56'; a separator followed by three digits groups
    thousands; a unit price keeps its four to six decimals ('41,1765' → '41.1765')."""
    last = max(number.rfind("."), number.rfind(","))
    if last != -1 and len(number) - last - 1 in (1, 2, 4, 5, 6):
        whole, frac = number[:last], number[last + 1 :]
    else:
        whole, frac = number, "00"
    whole = re.sub(r"[^\d]", "", whole)
    if not whole:
        return None
    return f"{int(whole)}.{frac.ljust(2, '0')}"


def _signed(text: str, m: re.Match) -> tuple[bool, int, int]:
    """(negative, start, end) of a match widened to its sign: a minus before the amount or its
    number, a minus right after the number, or parentheses around the number; (-1, -1) when
    only one parenthesis is there."""
    start, end = m.start(), m.end()
    if m.group("minus") or m.group("trail"):
        return True, start, end
    if m.group("open") and end < len(text) and text[end] == ")":  # EUR (1,234.56)
        return True, start, end + 1
    if m.group("close") and start > 0 and text[start - 1] == "(":  # (1,234.56) EUR
        return True, start - 1, end
    if m.group("open") or m.group("close"):  # one parenthesis alone: a number, not an amount
        return False, -1, -1
    if start > 0 and text[start - 1] in _MINUS and (start < 2 or not text[start - 2].isalnum()):
        return True, start - 1, end
    if m.group("n1") and end < len(text) and text[end] in _MINUS:
        if end + 1 == len(text) or not text[end + 1].isalnum():
            return True, start, end + 1
    # "(EUR 25)" is a remark in brackets, not a negative: only a bracketed number is one.
    return False, start, end


def _currency(m: re.Match) -> str:
    mark = m.group("pre") or m.group("paren") or m.group("post")
    return SYMBOLS.get(mark) or WORDS.get(mark.lower()) or mark


def amounts(text: str, source: str) -> list[Entity]:
    found: list[Entity] = []
    for pattern in (_SAME_LINE, _NEXT_LINE):
        for m in pattern.finditer(text):
            if any(e.start < m.end() and m.start() < e.end for e in found):
                continue  # the same line's reading wins
            value = normalize_number(m.group("n1") or m.group("n2"))
            if value is None:
                continue
            negative, start, end = _signed(text, m)
            if start < 0:
                continue
            normalized = f"{'-' if negative else ''}{value} {_currency(m)}"
            found.append(
                Entity("AMOUNT", text[start:end], normalized, source, start, end, True, 0.9)
            )
    return sorted(found, key=lambda e: e.start)
