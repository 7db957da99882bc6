"""E-mail addresses, phone numbers (libphonenumber) and payment or case references."""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import (
    Leniency,
    PhoneNumber,
    PhoneNumberFormat,
    PhoneNumberMatch,
    PhoneNumberMatcher,
)
from phonenumbers.phonenumberutil import normalize_digits_only

from lockgate.extraction.spans import Entity

# The region a national number (no +CC) is read in when its sender's country is not known:
# the home region of the document's language, a last resort read with a lower confidence.
REGION_BY_LANGUAGE = {
    "en": "GB",
    "fr": "FR",
    "nl": "NL",
    "de": "DE",
    "it": "IT",
    "es": "ES",
    "pt": "PT",
    "pl": "PL",
    "cs": "CZ",
    "sk": "SK",
    "sv": "SE",
    "da": "DK",
    "no": "NO",
    "nb": "NO",
    "fi": "FI",
    "el": "GR",
    "hu": "HU",
    "ro": "RO",
    "ja": "JP",
    "zh": "CN",
    "ru": "RU",
}
_TLD_REGION = {"uk": "GB"}  # country-code top-level domains that are not the ISO code
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_REFERENCE = re.compile(r"\b(?:CASE|SR|TRX|CA|REF|INV|PAY)-\d{4}-\d{4,8}\b")
_DIGIT = re.compile(r"\d")


# A line that names a message, an envelope or an event, not a mailbox: its address-shaped values
# are ids (Message-ID: <CAKK...@mail.gmail.com>, a DSN's Original-Envelope-Id:, an iCalendar
# UID:...@google.com).
_ID_LINE = re.compile(
    r"(?im)^[ \t>]*(?:[a-z-]*message-id|in-reply-to|references|content-id|[a-z-]*envelope-id|uid)"
    r"[ \t]*[:=]"
)
# ... and an id a Received: line names ("with ESMTP id <5A1F@mx.example.org>"); an "e-mail id"
# is an address.
_ID_BEFORE = re.compile(r"(?i)(?<!mail )\bid[ \t]+<$")
_ID_BEFORE_REACH = len("e-mail id <") + 2  # the characters before an address it reads


def emails(text: str, source: str) -> list[Entity]:
    """E-mail addresses, but for the ids on Message-ID, References, Content-ID, Envelope-Id or
    UID lines and after "id <"."""
    id_lines = [(m.start(), text.find("\n", m.end())) for m in _ID_LINE.finditer(text)]
    return [
        Entity("EMAIL", m.group(0), m.group(0).lower(), source, m.start(), m.end(), True, 0.99)
        for m in _EMAIL.finditer(text)
        if not any(start <= m.start() and (end < 0 or m.start() < end) for start, end in id_lines)
        and not _ID_BEFORE.search(text, max(0, m.start() - _ID_BEFORE_REACH), m.start())
    ]


def references(text: str, source: str) -> list[Entity]:
    return [
        Entity("REFERENCE", m.group(0), m.group(0), source, m.start(), m.end(), True, 0.95)
        for m in _REFERENCE.finditer(text)
    ]


# The fewest digits any region's numbers have (libphonenumber's metadata: 4, e.g. in DE and
# AT); tests/unit/extraction/test_entities.py checks it against the metadata of the installed version.
SHORTEST_NUMBER_DIGITS = 4


_LETTER = re.compile(r"[^\W\d_]")
_NUMERIC_DATE = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}")


# What libphonenumber made of a candidate read in a region: (candidate, region) -> the number,
# or None when it is none. The same strings come back in every letter (years, postcodes,
# amounts, a bank's own numbers): about a third of the parses on the real-world corpus and a
# fifth on the generated one repeat. Emptied when full; each Python worker keeps its own.
_PARSED: dict[tuple[str, str | None], PhoneNumber | None] = {}
_PARSED_MAX = 1 << 16


class _Matcher(PhoneNumberMatcher):
    """libphonenumber's matcher, not parsing candidates with too few digits to be a number,
    nor any candidate twice in a region.

    The matcher retries every digit group inside a failed candidate: a date or an amount
    becomes "2026", "17", "03" ..., about 20 parses a letter, each rejected by `parse` for its
    length after its full work. A candidate of fewer digits than any region's shortest number
    cannot be valid, so it is dropped before parsing; the matches are the library's own (a
    candidate with letters is always parsed: `parse` may read letters as digits).

    At the leniency `phones` asks for (POSSIBLE), what the library makes of a candidate
    depends on the candidate and the region only, not on the text around it, so a candidate
    seen before is not parsed again (`_PARSED`).
    """

    def _parse_and_verify(self, candidate, offset):
        if self.leniency != Leniency.POSSIBLE:  # stricter ones read the characters around it
            return self._parsed(candidate, offset)
        key = (candidate, self.preferred_region)
        if key not in _PARSED:
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            match = self._parsed(candidate, offset)
            _PARSED[key] = None if match is None else match.number
        number = _PARSED[key]
        return None if number is None else PhoneNumberMatch(offset, candidate, number)

    def _parsed(self, candidate, offset):
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


# A web address written in a letter's footer ("www.sparkasse.at", "https://bank.de/..."): its
# host; and an account printed as "IBAN: DE89 ...": its country.
_WEB_HOST = re.compile(r"(?i)\b(?:https?://|www\.)((?:[a-z0-9-]+\.)+[a-z]{2,})\b")
_LABELLED_IBAN = re.compile(r"\bIBAN\b[\s:.]*([A-Z]{2})\d\d")


def document_country(text: str) -> str | None:
    """Where a letter that has no sender header comes from: the country of the first e-mail
    address in `text` with a country-code domain (a signature's), else of the first such web
    address (a footer's), else of the first IBAN printed after its label (an invoice's payee)."""
    hints = (
        (_EMAIL, lambda m: country_of_domain(m.group(0).rsplit("@", 1)[1])),
        (_WEB_HOST, lambda m: country_of_domain(m.group(1))),
        (
            _LABELLED_IBAN,
            lambda m: m.group(1) if m.group(1) in phonenumbers.SUPPORTED_REGIONS else None,
        ),
    )
    for pattern, country_of in hints:
        for match in pattern.finditer(text):
            if (country := country_of(match)) is not None:
                return country
    return None


# What people write before a phone number, in the languages of Europe's correspondence: the
# word (anywhere in the few characters before the number on its line, with no digit between),
# or a single letter just before it, apart from it ("T +49 ...", "F 05 0100-942300", "p: 512-...").
_CUE_WORD = re.compile(
    r"(?i)(?<![^\W\d_])(?:tel|tél|tlf|tfn|telefon|telephone|téléphone|telefono|teléfono|telefoon"
    r"|phone|ph|fon|fone|fernruf|fax|telefax|télécopie|mobile?|mobil|mob|handy|cell|gsm|portable"
    r"|natel|contact|kontakt|contacto|contatto|call|hotline|toll-free|appel(?:ez)?|anrufen|bellen"
    r"|тел|телефон|факс)(?![^\W\d_])"
)
_CUE_LETTER = re.compile(r"(?:^|[\s|,;(/-])(?:[TFMP](?:\s*[:.]\s*|\s+)|[tfmp]\s*[:.]\s*)$")
_CUE_REACH = 48  # characters before a number a cue may stand in (whitespace runs count as one)
# North American numbers as written there: (818) 708-8131, 512-417-1762, 1-800-827-1000.
_NANP = re.compile(r"(?:\+?1[-. ]?)?(?:\([2-9]\d\d\)\s?|[2-9]\d\d[-. ])[2-9]\d\d[-. ]?\d{4}")


def phone_cued(text: str, start: int) -> bool:
    """Whether a phone label stands before offset `start` on its line: a cue word with no digit
    between it and the number, or a single-letter one right before it."""
    line_start = text.rfind("\n", 0, start) + 1
    before = " ".join(text[max(line_start, start - 4 * _CUE_REACH) : start].split())
    before = before[-_CUE_REACH:] + (" " if text[start - 1 : start].isspace() else "")
    if _CUE_LETTER.search(before):
        return True
    cues = list(_CUE_WORD.finditer(before))
    return bool(cues) and not _DIGIT.search(before[cues[-1].end() :])


_INTERNATIONAL = re.compile(r"\s*(?:\+|00[1-9])")  # a country code after + or the 00 prefix
# A number that is only possible (not valid) has at least this many digits after its country
# code: "+49 123 456789" is a placeholder people write, "+49 7891" the start of one cut by a
# line break.
_PLACEHOLDER_DIGITS = 6


def phones(
    text: str, source: str, language: str | None, country: str | None = None
) -> list[Entity]:
    """Phone numbers, normalised to E.164 (libphonenumber).

    A number needs a reason to be one. Written with its country code (+49, 0049), a valid
    number is one anywhere (0.95). A national number is one when a phone label stands before it
    ("Tel.:", "Fax", "T", "тел.": `phone_cued`): read in the sender's `country` (0.9), else in
    the home region of the document's language (0.6: the language alone does not say where a
    number is from), or in North America when it is written the way numbers are there (0.8).
    A number libphonenumber calls possible but not valid (a placeholder like "+49 123 456789",
    "(555) 23 87-0") is one only after a label, with a lower confidence (0.7 or less). A valid
    national number without a label (an account, a tax or a customer number as often as a phone)
    is kept as a rejected candidate (`valid=False`): masked, never a value.
    """
    if not _DIGIT.search(text):  # no digit, no number: skip the (slow) matcher
        return []
    known = country if country in phonenumbers.SUPPORTED_REGIONS else None
    fallback = REGION_BY_LANGUAGE.get(language or "", "GB")
    regions = list(dict.fromkeys(r for r in (known, fallback) if r))
    if "US" not in regions and _NANP.search(text):
        regions.append("US")
    matches = [
        (region, match, phonenumbers.is_valid_number(match.number))
        for region in regions
        for match in _Matcher(text, region, leniency=Leniency.POSSIBLE)
    ]
    found: list[Entity] = []
    for want_valid in (True, False):  # a reading where the number is valid wins over any other
        for region, match, valid in matches:
            if valid != want_valid or any(
                match.start < e.end and e.start < match.end for e in found
            ):
                continue
            entity = _phone(match, valid, region, known, text, source)
            if entity is not None:
                found.append(entity)
    return found


def _phone(
    match, valid: bool, region: str, known: str | None, text: str, source: str
) -> Entity | None:
    """The entity of one libphonenumber match read in `region` (`valid` there or not), or None
    when it is none."""
    number, raw = match.number, match.raw_string
    international = bool(_INTERNATIONAL.match(raw))
    if not valid and len(phonenumbers.national_significant_number(number)) < _PLACEHOLDER_DIGITS:
        return None
    if region == "US" and not international and not _NANP.fullmatch(raw.strip()):
        return None  # North America is tried only for numbers written its way
    cued = phone_cued(text, match.start)
    if international:
        confidence = 0.95 if valid else 0.7 if cued else None
    elif cued:
        confidence = 0.9 if region == known else 0.8 if region == "US" else 0.6
        confidence = confidence if valid else round(confidence - 0.2, 2)
    else:
        confidence = 0.4 if valid else None
    if confidence is None:
        return None
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return Entity(
        "PHONE", raw, e164, source, match.start, match.end, international or cued, confidence
    )
