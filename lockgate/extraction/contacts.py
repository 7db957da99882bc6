"""E-mail addresses, phone numbers (libphonenumber) and payment or case references."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import Leniency, PhoneNumberFormat, PhoneNumberMatcher
from phonenumbers.phonenumberutil import normalize_digits_only

from lockgate.extraction.spans import Entity

# The region a national number (no +CC) is read in when its sender's country is not known:
# the home region of the document's language, a last resort read with a lower confidence.
REGION_BY_LANGUAGE = {
    "en": "GB", "fr": "FR", "nl": "NL", "de": "DE", "it": "IT", "es": "ES", "pt": "PT",
    "pl": "PL", "cs": "CZ", "sk": "SK", "sv": "SE", "da": "DK", "no": "NO", "nb": "NO",
    "fi": "FI", "el": "GR", "hu": "HU", "ro": "RO", "ja": "JP", "zh": "CN", "ru": "RU",
}  # fmt: skip
_TLD_REGION = {"uk": "GB"}  # country-code top-level domains that are not the ISO code
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
_NUMERIC_DATE = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}")


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
        if _NUMERIC_DATE.fullmatch(candidate.strip()):
            return None  # 08.06.2026 is a valid German number's digits, and a date
        return super()._parse_and_verify(candidate, offset)


def country_of_domain(domain: str | None) -> str | None:
    """The country (ISO 3166 alpha-2) of an e-mail domain's country-code top-level domain, or
    None for a generic one (.com, .org ...)."""
    tld = (domain or "").rsplit(".", 1)[-1].lower()
    if len(tld) != 2 or not tld.isalpha():
        return None
    return _TLD_REGION.get(tld, tld.upper())


def document_country(text: str) -> str | None:
    """The country of the first e-mail address in `text` with a country-code domain (a
    signature's address says where a letter that has no sender header comes from)."""
    for match in _EMAIL.finditer(text):
        country = country_of_domain(match.group(0).rsplit("@", 1)[1])
        if country is not None:
            return country
    return None


def phones(
    text: str, source: str, language: str | None, country: str | None = None
) -> list[Entity]:
    """Valid numbers only (libphonenumber's VALID leniency), normalised to E.164.

    A number written with its country code needs no region. A national one is read in the
    sender's `country` when it is known and the number is valid there; otherwise in the home
    region of the document's language, with a lower confidence (0.6): the language alone does
    not say where a number is from.
    """
    if not _DIGIT.search(text):  # no digit, no number: skip the (slow) matcher
        return []
    known = country if country in phonenumbers.SUPPORTED_REGIONS else None
    fallback = REGION_BY_LANGUAGE.get(language or "", "GB")
    found: list[Entity] = []
    for region in dict.fromkeys(r for r in (known, fallback) if r):
        for match in _Matcher(text, region, leniency=Leniency.VALID):
            if any(match.start < e.end and e.start < match.end for e in found):
                continue  # read already, in the sender's own region
            e164 = phonenumbers.format_number(match.number, PhoneNumberFormat.E164)
            international = match.raw_string.lstrip().startswith("+")
            confidence = 0.95 if international else 0.85 if region == known else 0.6
            found.append(Entity("PHONE", match.raw_string, e164, source, match.start, match.end,
                                True, confidence))  # fmt: skip
    return found
