"""E-mail addresses, phone numbers (libphonenumber) and payment or case references."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher
from phonenumbers.phonenumberutil import normalize_digits_only

from lockgate.extraction.spans import Entity

# The region a national number (no +CC) is read in, by the document's language.
REGION_BY_LANGUAGE = {"en": "GB", "fr": "FR", "nl": "NL", "de": "DE"}
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_REFERENCE = re.compile(r"\b(?:CASE|SR|TRX|CA|REF|INV|PAY)-\d{4}-\d{4,8}\b")
_DIGIT = re.compile(r"\d")


def emails(text: str, source: str) -> list[Entity]:
    return [
        Entity("EMAIL", m.group(0), m.group(0).lower(), source, m.start(), m.end(), True, 0.99)
        for m in _EMAIL.finditer(text)
    ]


def references(text: str, source: str) -> list[Entity]:
    return [
        Entity("REFERENCE", m.group(0), m.group(0), source, m.start(), m.end(), True, 0.95)
        for m in _REFERENCE.finditer(text)
    ]


# The fewest digits any region's numbers have (libphonenumber's metadata: 4, e.g. in DE and
# AT); tests/unit/test_entities.py checks it against the metadata of the installed version.
SHORTEST_NUMBER_DIGITS = 4


_LETTER = re.compile(r"[^\W\d_]")


class _Matcher(PhoneNumberMatcher):
    """libphonenumber's matcher, not parsing candidates with too few digits to be a number.

    The matcher retries every digit group inside a failed candidate: a date or an amount
    becomes "2026", "17", "03" ..., about 20 parses a letter, each rejected by `parse` for its
    length after its full work. A candidate of fewer digits than any region's shortest number
    cannot be valid, so it is dropped before parsing; the matches are the library's own (a
    candidate with letters is always parsed: `parse` may read letters as digits).
    """

    def _parse_and_verify(self, candidate, offset):
        if len(normalize_digits_only(candidate)) < SHORTEST_NUMBER_DIGITS and not _LETTER.search(
            candidate
        ):
            return None
        return super()._parse_and_verify(candidate, offset)


def phones(text: str, source: str, language: str | None) -> list[Entity]:
    """Valid numbers only (libphonenumber's VALID leniency), normalised to E.164."""
    if not _DIGIT.search(text):  # no digit, no number: skip the (slow) matcher
        return []
    region = REGION_BY_LANGUAGE.get(language or "", "GB")
    found = []
    for match in _Matcher(text, region, leniency=Leniency.VALID):
        e164 = phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
        confidence = 0.95 if match.raw_string.lstrip().startswith("+") else 0.85
        found.append(
            Entity(
                "PHONE", match.raw_string, e164, source, match.start, match.end, True, confidence
            )
        )
    return found
