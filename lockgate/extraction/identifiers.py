"""Identifiers with check digits: IBAN, BIC, ISIN, LEI (validated with schwifty and python-stdnum)."""

from __future__ import annotations

import re
from functools import cache

from schwifty import BIC, IBAN, registry
from schwifty.exceptions import InvalidCountryCode, SchwiftyException
from stdnum import isin as stdnum_isin
from stdnum import lei as stdnum_lei

from lockgate.extraction.spans import Entity

_IBAN_START = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})(\d{2})")
# What people put between an IBAN's groups: spaces (also no-break and several), a tab, a line
# break (PDF text, HTML cells), a hyphen or a dot; at most this many in a row.
_IBAN_SEPARATORS = frozenset(" \t\n\r\u00a0\u202f\u2007-.")
_IBAN_SEPARATOR_RUN = 4
# An 8 or 11 letter word; or 8 with its label glued on after it, as PDF text runs
# ("INGBNL2ABIC").
_BIC = re.compile(
    r"\b([A-Z]{4})([A-Z]{2})([A-Z0-9]{2})(?:(?=(?:BIC|SWIFT)\b)|([A-Z0-9]{3})?\b)", re.IGNORECASE
)
# A BIC is an 8 or 11 letter word: one named as such is a candidate (after "BIC" or "SWIFT",
# with its label glued after it, or in a SWIFT MT message's option-A party field, ":57A:" and
# the like, on its line or after the field's /account line), and so is an unnamed one in upper
# case that schwifty's bank registry knows (a booking line's counterparty bank).
_BIC_CONTEXT = re.compile(
    r"\b(?:BIC|SWIFT)\b[^.!?;]{0,60}$|(?:^|\n):\d\dA:(?:/[^\n]*\n)?$", re.IGNORECASE
)
_BIC_LABEL_AFTER = ("BIC", "SWIFT")
_ISIN = re.compile(r"\b[A-Z]{2}[A-Z0-9]{9}\d\b", re.IGNORECASE)
_LEI = re.compile(r"\b[A-Z0-9]{18}\d{2}\b", re.IGNORECASE)


@cache
def _iban_length(country: str) -> int | None:
    try:
        return registry.get_iban_spec(country).iban_length
    except (InvalidCountryCode, KeyError):
        return None


def _checked(
    kind: str,
    value: str,
    normalized: str,
    source: str,
    start: int,
    end: int,
    valid: bool,
    sure: float,
) -> Entity:
    return Entity(kind, value, normalized, source, start, end, valid, sure if valid else 0.3)


def _has_lower(value: str) -> bool:
    return any(ch.islower() for ch in value)


def _iban_chars(text: str, start: int, length: int) -> tuple[str, int, bool]:
    """(the IBAN's characters upper-cased, where it ends, whether it is written as banks print
    it: upper case, groups apart by one space or line break) read from `start`."""
    chars, pos, end, run, printed = [], start, start, 0, True
    while pos < len(text) and len(chars) < length:
        ch = text[pos]
        if ch.isascii() and ch.isalnum():
            chars.append(ch.upper())
            printed = printed and not ch.islower() and run <= 1
            run, end = 0, pos + 1
        elif ch in _IBAN_SEPARATORS and run < _IBAN_SEPARATOR_RUN:
            printed = printed and ch in " \n"
            run += 1
        else:
            break
        pos += 1
    return "".join(chars), end, printed


def ibans(text: str, source: str) -> list[Entity]:
    """IBANs in any case, compact or in groups apart by any of the usual separators; the length
    comes from the country's spec and the normalised value is compact upper case.

    A candidate written as banks print it is kept even with a wrong check digit (a rejected
    candidate); one in another style must pass its check to count, so that ordinary words
    after a country code and two digits are never read as an account.
    """
    found = []
    for match in _IBAN_START.finditer(text):
        length = _iban_length(match.group(1).upper())
        if length is None:
            continue
        compact, end, printed = _iban_chars(text, match.start(), length)
        if len(compact) != length or (end < len(text) and text[end].isdigit()):
            continue
        try:
            IBAN(compact)
            valid = True
        except SchwiftyException:
            valid = False
        if end < len(text) and text[end].isalpha() and not valid:
            continue  # a longer word; a valid IBAN may have its label glued on ("...1309IBAN")
        if valid or printed:
            value = text[match.start() : end]
            found.append(_checked("IBAN", value, compact, source, match.start(), end, valid, 0.99))
    return found


def _registered_code(value: str) -> bool:
    try:
        return _registered(BIC(value))
    except SchwiftyException:
        return False


def _registered(bic: BIC) -> bool:
    """Whether schwifty's bank registry knows the BIC (an 8-character one as its XXX branch)."""
    return bic.exists or (len(bic) == 8 and BIC(f"{bic}XXX").exists)


def bics(text: str, source: str) -> list[Entity]:
    found = []
    for match in _BIC.finditer(text):
        value = match.group(0)
        named = _BIC_CONTEXT.search(text[max(0, match.start() - 80) : match.start()]) or (
            text[match.end() : match.end() + 5].upper().startswith(_BIC_LABEL_AFTER)
        )
        if not named and not (value.isupper() and _registered_code(value)):
            continue  # an unnamed code counts only as printed by a bank, and registered
        try:
            bic = BIC(value.upper())
            valid = True
        except SchwiftyException:
            valid = False
        # In lower case, an ordinary word after "BIC" can pass the format check ("beneficiary"
        # is BENE FI CI ARY): such a candidate counts only if it names a registered bank.
        if not _has_lower(value) or (valid and _registered(bic)):
            found.append(
                _checked(
                    "BIC", value, value.upper(), source, match.start(), match.end(), valid, 0.95
                )
            )
    return found


def _whole_words(pattern: re.Pattern, kind: str, is_valid, sure: float, text: str, source: str):
    """Matches of `pattern` checked by `is_valid`; one written in lower case counts only when
    its check holds (a rejected candidate is kept only as printed, in upper case)."""
    found = []
    for m in pattern.finditer(text):
        value = m.group(0)
        valid = bool(is_valid(value.upper()))
        if valid or not _has_lower(value):
            found.append(
                _checked(kind, value, value.upper(), source, m.start(), m.end(), valid, sure)
            )
    return found


def isins(text: str, source: str) -> list[Entity]:
    return _whole_words(_ISIN, "ISIN", stdnum_isin.is_valid, 0.99, text, source)


def leis(text: str, source: str) -> list[Entity]:
    # 0.97, not 0.99: a 20-character IBAN passes the LEI check about once in 97; the IBAN wins that tie.
    return _whole_words(_LEI, "LEI", stdnum_lei.is_valid, 0.97, text, source)
