"""E-mail addresses, phone numbers (libphonenumber) and payment or case references."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher

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


def phones(text: str, source: str, language: str | None) -> list[Entity]:
    """Valid numbers only (libphonenumber's VALID leniency), normalised to E.164."""
    if not _DIGIT.search(text):  # no digit, no number: skip the (slow) matcher
        return []
    region = REGION_BY_LANGUAGE.get(language or "", "GB")
    found = []
    for match in PhoneNumberMatcher(text, region, leniency=Leniency.VALID):
        e164 = phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
        confidence = 0.95 if match.raw_string.lstrip().startswith("+") else 0.85
        found.append(
            Entity(
                "PHONE", match.raw_string, e164, source, match.start, match.end, True, confidence
            )
        )
    return found
