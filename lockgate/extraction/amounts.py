"""Amounts with a currency: ISO 4217 codes, symbols or words (en, fr, nl, de), before or after
the number, in 1,234.56 / 1.234,56 / 1 234,56 / 1'234.56 styles, with their sign and scale.

A negative amount is written with a leading minus, a trailing minus or its number in
parentheses, as accountants do; the sign is kept in the normalised value (`-198.90 USD`).
A number that runs on into a longer token (`$5.1.5`, `2046,`) is not an amount. A currency on the line before or
after its number (an HTML table's cells) is read when nothing on the same line claims it.
A bank statement's column layout ("EUR          100,00-") and a SWIFT field's glued one
(":62F:C200102EUR379,29") are read too; "35 Millionen Euro" is 35000000.00 EUR; "$" is the
dollar of the sender's country (Canada's, Australia's ...), the US dollar otherwise.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import list_currencies

from lockgate.extraction.alternation import alternation
from lockgate.extraction.spans import Entity

# Every ISO 4217 code Babel knows (current and historic: a bank's archive holds DEM and FRF
# letters), but for the few that are also words or names in capitals ("ALL", "TOP", "BSD"), the
# prefix of Swiss company numbers (CHE-112.203.184) and test codes.
_WORD_CODES = {
    "ALL",
    "TOP",
    "CUP",
    "MOP",
    "BAD",
    "BAN",
    "BEL",
    "PES",
    "SOS",
    "MAD",
    "BSD",
    "CHE",
    "CHW",
    "XXX",
    "XTS",
}
CURRENCY_CODES = tuple(sorted(set(list_currencies()) - _WORD_CODES))
SYMBOLS = {"€": "EUR", "$": "USD", "US$": "USD", "£": "GBP", "¥": "JPY", "DM": "DEM"}
# The dollar a "$" is, by the sender's country; the US dollar for any other.
DOLLAR_BY_COUNTRY = {
    "CA": "CAD",
    "AU": "AUD",
    "NZ": "NZD",
    "SG": "SGD",
    "HK": "HKD",
    "MX": "MXN",
    "TW": "TWD",
}
# Currency words after a number, in the four languages (matched without regard to case).
WORDS = {
    "euro": "EUR",
    "euros": "EUR",
    "us dollars": "USD",
    "us dollar": "USD",
    "us-dollar": "USD",
    "dollars": "USD",
    "dollar": "USD",
    "dollars américains": "USD",
    "amerikaanse dollar": "USD",
    "pounds sterling": "GBP",
    "pound sterling": "GBP",
    "pounds": "GBP",
    "pound": "GBP",
    "livres sterling": "GBP",
    "livre sterling": "GBP",
    "pfund sterling": "GBP",
    "pfund": "GBP",
    "britse pond": "GBP",
    "pond sterling": "GBP",
    "swiss francs": "CHF",
    "swiss franc": "CHF",
    "francs suisses": "CHF",
    "franc suisse": "CHF",
    "schweizer franken": "CHF",
    "franken": "CHF",
    "zwitserse franken": "CHF",
    "zwitserse frank": "CHF",
    "yen": "JPY",
}
# Words that scale the number before them: in the four languages, and as Italian, Spanish,
# Portuguese and Russian news and reports write them ("19,4 трлн", "2,5 miliardi").
SCALES = {
    "thousand": 10**3,
    "mille": 10**3,
    "tausend": 10**3,
    "duizend": 10**3,
    "тыс": 10**3,
    "million": 10**6,
    "millions": 10**6,
    "millionen": 10**6,
    "million(s)": 10**6,
    "mio": 10**6,
    "miljoen": 10**6,
    "mln": 10**6,
    "milioni": 10**6,
    "milione": 10**6,
    "millones": 10**6,
    "millón": 10**6,
    "milhões": 10**6,
    "milhão": 10**6,
    "млн": 10**6,
    "миллион": 10**6,
    "миллиона": 10**6,
    "миллионов": 10**6,
    "billion": 10**9,
    "billions": 10**9,
    "milliard": 10**9,
    "milliards": 10**9,
    "milliarde": 10**9,
    "milliarden": 10**9,
    "mrd": 10**9,
    "miljard": 10**9,
    "bn": 10**9,
    "miliardi": 10**9,
    "miliardo": 10**9,
    "mld": 10**9,
    "млрд": 10**9,
    "миллиард": 10**9,
    "миллиарда": 10**9,
    "миллиардов": 10**9,
    "trillion": 10**12,
    "trillions": 10**12,
    "трлн": 10**12,
    "триллион": 10**12,
    "триллиона": 10**12,
    "триллионов": 10**12,
}
_THOUSANDS = "[,.'\u00a0\u202f ]"
# Two decimals, or four to six for a unit price (three would read as a thousands group, but
# after a zero: 0.025); ",-" and ",--" are the German and Dutch way of writing ",00".
_NUMBER = (
    rf"(?:[1-9]\d{{0,2}}(?:{_THOUSANDS}\d{{3}})+|\d+)"
    rf"(?:[.,]\d{{1,2}}(?!\d)|[.,]\d{{4,6}}|,-{{1,2}}(?![\d-]))?|0[.,]\d{{3}}"
)


_SYMBOL = alternation(SYMBOLS)
_CODE = alternation(CURRENCY_CODES)
_WORD = alternation(WORDS)
_SCALE = alternation(SCALES)
# "euro" may come first, as Italian and Spanish write it ("capitale sociale euro 347.256.998,80"),
# with a number that has decimals or groups ("Euro 2016" is a football tournament).
PRE_WORDS = ("euro", "euros")
_BEFORE = rf"(?P<pre>{_CODE}|{_SYMBOL}|(?i:{alternation(PRE_WORDS)})(?=[ \u00a0]))"
_AFTER = rf"(?:\([ \u00a0]?(?P<paren>{_CODE})[ \u00a0]?\)|(?P<post>{_CODE}|{_SYMBOL}|(?i:{_WORD})))"
# Not inside a longer token (nor hyphenated to one); a code may follow digits (SWIFT fields).
_START = r"(?<![\w.,])(?<!\w-)"
_CODE_START = r"(?<![^\W\d_])(?<![.,])(?<!\w-)"
# nor running on into one, nor into an address or an id ($56104586@oxy.edu)
_NUMBER_END = r"(?![\d@]|[.,]\d)"
_WORD_END = r"(?!\.?[^\W\d_])"  # a code's number is not glued to a word (EUR01.prod)
_SCALE_WORD = rf"[ \u00a0](?P<scale>(?i:{_SCALE}))\.?(?![^\W\d_])"
# Between a scale and the currency word after it: "35 millions d'euros", "2,5 miliardi di euro".
_OF = r"(?:[ \u00a0](?i:de|di|of)(?=[ \u00a0])|[ \u00a0](?i:d)['\u2019])"


def _pattern(gap: str, before_gap: str) -> re.Pattern:
    return re.compile(
        rf"{_CODE_START}{_BEFORE}{before_gap}(?P<open>\()?(?P<minus>[{_MINUS}])?(?P<n1>{_NUMBER})"
        rf"{_NUMBER_END}(?:{_SCALE_WORD})?{_WORD_END}"
        rf"|{_START}(?P<n2>{_NUMBER}){_NUMBER_END}(?P<trail>-)?(?P<close>\))?"
        rf"(?:{_SCALE_WORD.replace('scale', 'scale2')}{_OF}?)?{gap}{_AFTER}"
        r"(?![A-Za-z])"
    )


_MINUS = "-\u2212\u2013"  # hyphen-minus, minus sign, en dash
# On one line a code may stand in a column before its number ("EUR          100,00-").
_SAME_LINE = _pattern(r"[\u00a0\u202f ]?", r"[ \t\u00a0\u202f]{0,24}")
# On the next line, or two lines down after the amount's label, as a Swiss QR bill prints its
# cells ("Währung\nCHF\nBetrag\n1 756.05").
_LINE = r"[ \t]*\r?\n[ \t]*"
_AMOUNT_LABEL = r"(?i:amount|betrag|montant|importo|bedrag|importe)[ \t]*:?"
_NEXT_LINE = _pattern(_LINE, rf"{_LINE}(?:{_AMOUNT_LABEL}{_LINE})?")


def normalize_number(number: str, scale: int = 1) -> str | None:
    """'1.234,56' and '1,234.56' → '1234.56'; a separator followed by three digits groups
    thousands (but after a lone zero: '0.025'); a unit price keeps its four to six decimals
    ('41,1765' → '41.1765'); ',-' is ',00'; `scale` multiplies ('35', 10**6 → '35000000.00')."""
    number = re.sub(r",-+$", "", number)
    last = max(number.rfind("."), number.rfind(","))
    decimals = len(number) - last - 1
    if last != -1 and (decimals in (1, 2, 4, 5, 6) or (decimals == 3 and number[:last] == "0")):
        whole, frac = number[:last], number[last + 1 :]
    else:
        whole, frac = number, "00"
    whole = re.sub(r"[^\d]", "", whole)
    if not whole:
        return None
    if len(frac) > 2:  # 109,320000 is 109.32; 0,4202512 stays
        frac = frac.rstrip("0")
    if scale != 1:
        value = Decimal(f"{whole}.{frac}") * scale
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
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
    for gap in (1, 2):  # "-45,00 EUR", and "- 16,40 EUR" as Dutch statements print it
        sign = start - gap
        if sign >= 0 and text[sign] in _MINUS and text[sign + 1 : start].isspace() is (gap == 2):
            if sign == 0 or not text[sign - 1].isalnum():
                return True, sign, end
    if m.group("n1") and end < len(text) and text[end] in _MINUS:
        if end + 1 == len(text) or not text[end + 1].isalnum():
            return True, start, end + 1
    # "(EUR 25)" is a remark in brackets, not a negative: only a bracketed number is one.
    return False, start, end


def _currency(m: re.Match, country: str | None) -> str:
    mark = m.group("pre") or m.group("paren") or m.group("post")
    if mark == "$":
        return DOLLAR_BY_COUNTRY.get(country or "", "USD")
    return SYMBOLS.get(mark) or WORDS.get(mark.lower()) or mark


# What makes a reading no amount: a number with a leading zero ("0010": a code), an integer
# before a currency that a number follows ("1 € 4,99": a quantity, then the price), a currency
# pair ("1,1538 USD/EUR": a rate).
_LEADING_ZERO = re.compile(r"0\d")
_DECIMALS = re.compile(r"[.,](?:\d+|-+)$")
_NUMBER_AFTER = re.compile(r"[ \t\u00a0]?[-\u2212]?\d")
_PAIR_AFTER = re.compile(r"/[A-Z]{3}\b")


def amounts(text: str, source: str, country: str | None = None) -> list[Entity]:
    """Every amount in `text`; `country` (the sender's) says which dollar "$" is. A currency on
    another line than its number pairs only with a number that has decimals (a table's
    amounts have them; a quantity or a page number does not)."""
    found: list[Entity] = []
    for pattern in (_SAME_LINE, _NEXT_LINE):
        pos = 0
        while m := pattern.search(text, pos):
            pos = m.end()
            number = m.group("n1") or m.group("n2")
            if (
                m.group("n2")
                and m.group("post")
                and not _DECIMALS.search(number)
                and (_NUMBER_AFTER.match(text, m.end()))
            ):
                pos = m.start("post")  # the currency opens the next reading: "€ 4,99"
                continue
            if any(e.start < m.end() and m.start() < e.end for e in found):
                continue  # the same line's reading wins
            if _LEADING_ZERO.match(number) or _PAIR_AFTER.match(text, m.end()):
                continue
            if (m.group("pre") or "").lower() in PRE_WORDS and number.isdigit():
                continue
            if pattern is _NEXT_LINE and not _DECIMALS.search(number):
                continue
            scale = m.group("scale") or m.group("scale2")
            value = normalize_number(number, SCALES[scale.lower()] if scale else 1)
            if value is None:
                continue
            negative, start, end = _signed(text, m)
            if start < 0:
                continue
            normalized = f"{'-' if negative else ''}{value} {_currency(m, country)}"
            found.append(
                Entity("AMOUNT", text[start:end], normalized, source, start, end, True, 0.9)
            )
    return sorted(found, key=lambda e: e.start)
