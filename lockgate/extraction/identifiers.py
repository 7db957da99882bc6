"""Identifiers with check digits: IBAN, BIC, ISIN, LEI (validated with schwifty and python-stdnum)."""

from __future__ import annotations

import re
from functools import cache

from schwifty import BIC, IBAN, registry
from schwifty.exceptions import InvalidCountryCode, SchwiftyException
from stdnum import isin as stdnum_isin
from stdnum import lei as stdnum_lei

from lockgate.extraction.spans import Entity

_IBAN_START = re.compile(r"\b([A-Z]{2})(\d{2})(?=[ ]?[A-Z0-9])")
_BIC = re.compile(r"\b([A-Z]{4})([A-Z]{2})([A-Z0-9]{2})([A-Z0-9]{3})?\b")
# A BIC is an 8 or 11 letter word; only one named as such is a candidate.
_BIC_CONTEXT = re.compile(r"\b(?:BIC|SWIFT)\b[^.!?;]{0,60}$", re.IGNORECASE)
_ISIN = re.compile(r"\b[A-Z]{2}[A-Z0-9]{9}\d\b")
_LEI = re.compile(r"\b[A-Z0-9]{18}\d{2}\b")


@cache
def _iban_length(country: str) -> int | None:
    try:
        return registry.get_iban_spec(country).iban_length
    except (InvalidCountryCode, KeyError):
        return None


def _checked(kind: str, value: str, normalized: str, source: str, start: int, end: int,
             valid: bool, sure: float) -> Entity:  # fmt: skip
    return Entity(kind, value, normalized, source, start, end, valid, sure if valid else 0.3)


def ibans(text: str, source: str) -> list[Entity]:
    """IBANs written compact or in groups of four; the length comes from the country's spec.

    A group may wrap onto the next line (PDF text), so one space or newline may separate groups.
    """
    found = []
    for match in _IBAN_START.finditer(text):
        length = _iban_length(match.group(1))
        if length is None:
            continue
        chars, pos = [], match.start()
        while pos < len(text) and len(chars) < length:
            ch = text[pos]
            if ch.isascii() and (ch.isdigit() or ch.isupper()):
                chars.append(ch)
            elif ch not in " \n" or pos + 1 >= len(text) or not text[pos + 1].isalnum():
                break
            pos += 1
        if len(chars) != length or (pos < len(text) and text[pos].isalnum()):
            continue
        compact = "".join(chars)
        try:
            IBAN(compact)
            valid = True
        except SchwiftyException:
            valid = False
        found.append(
            _checked(
                "IBAN", text[match.start() : pos], compact, source, match.start(), pos, valid, 0.99
            )
        )
    return found


def bics(text: str, source: str) -> list[Entity]:
    found = []
    for match in _BIC.finditer(text):
        if not _BIC_CONTEXT.search(text[max(0, match.start() - 80) : match.start()]):
            continue
        value = match.group(0)
        try:
            BIC(value)
            valid = True
        except SchwiftyException:
            valid = False
        found.append(_checked("BIC", value, value, source, match.start(), match.end(), valid, 0.95))
    return found


def _whole_words(pattern: re.Pattern, kind: str, is_valid, sure: float, text: str, source: str):
    return [
        _checked(
            kind,
            m.group(0),
            m.group(0),
            source,
            m.start(),
            m.end(),
            bool(is_valid(m.group(0))),
            sure,
        )
        for m in pattern.finditer(text)
    ]


def isins(text: str, source: str) -> list[Entity]:
    return _whole_words(_ISIN, "ISIN", stdnum_isin.is_valid, 0.99, text, source)


def leis(text: str, source: str) -> list[Entity]:
    # 0.97, not 0.99: a 20-character IBAN passes the LEI check about once in 97; the IBAN wins that tie.
    return _whole_words(_LEI, "LEI", stdnum_lei.is_valid, 0.97, text, source)
