"""Find fields in text: IBAN, BIC, ISIN, LEI, amounts, dates, references, e-mail, phone, person names.

Identifiers with check digits are validated with schwifty and python-stdnum; a candidate
that fails its check is kept with `valid=False` (a rejected candidate), never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from schwifty import BIC, IBAN, registry
from schwifty.exceptions import InvalidCountryCode, SchwiftyException
from stdnum import isin as stdnum_isin
from stdnum import lei as stdnum_lei

ENTITY_TYPES = (
    "IBAN", "BIC", "ISIN", "LEI", "AMOUNT", "DATE", "REFERENCE", "EMAIL", "PHONE", "PERSON",
)  # fmt: skip


@dataclass(frozen=True)
class Entity:
    type: str
    value: str
    normalized: str
    source: str
    start: int
    end: int
    valid: bool
    confidence: float


_IBAN_START = re.compile(r"\b([A-Z]{2})(\d{2})(?=[ ]?[A-Z0-9])")
_BIC = re.compile(r"\b([A-Z]{4})([A-Z]{2})([A-Z0-9]{2})([A-Z0-9]{3})?\b")
_BIC_CONTEXT = re.compile(r"(BIC|SWIFT)[^\n]{0,15}$", re.IGNORECASE)
_ISIN = re.compile(r"\b[A-Z]{2}[A-Z0-9]{9}\d\b")
_LEI = re.compile(r"\b[A-Z0-9]{18}\d{2}\b")
_CURRENCY_CODES = "EUR|USD|GBP|CHF|JPY|SEK|NOK|DKK"
_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP"}
_NUMBER = r"\d{1,3}(?:[.,]\d{3})*(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_AMOUNT = re.compile(
    rf"(?:(?P<code1>{_CURRENCY_CODES})[ ]?|(?P<sym>[€$£]))(?P<num1>{_NUMBER})"
    rf"|(?P<num2>{_NUMBER})[ ]?(?P<code2>{_CURRENCY_CODES})\b"
)
_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        "january february march april may june july august september october november december".split()
    )
}
_MONTH_RE = "|".join(m.capitalize() for m in _MONTHS)
_DATES = [
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), ("y", "m", "d")),
    (re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b"), ("d", "m", "y")),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), ("d", "m", "y")),
    # Written-out dates may wrap across a line in PDFs, hence [ \n].
    (re.compile(rf"\b(\d{{1,2}})[ \n]({_MONTH_RE})[ \n](\d{{4}})\b"), ("d", "M", "y")),
    (re.compile(rf"\b({_MONTH_RE})[ \n](\d{{1,2}}),[ \n](\d{{4}})\b"), ("M", "d", "y")),
]
_REFERENCE = re.compile(r"\b(?:CASE|SR|TRX|CA|REF)-\d{4}-\d{4,8}\b")
_EMAIL = re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")
_PHONE = re.compile(r"(?<![\w+])\+\d{2,3}(?:[ ]?\d{1,4}){2,6}\b")
_CLOSING = re.compile(
    r"^(?:kind regards|best regards|regards|yours faithfully|yours sincerely|sincerely)[,.]?\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_NAME_LINE = re.compile(r"^([A-Z][A-Za-z'-]+(?: [A-Z][A-Za-z'-]+){1,3})\s*$")


def _iban_candidates(text: str, source: str) -> list[Entity]:
    found = []
    for match in _IBAN_START.finditer(text):
        country = match.group(1)
        length = _iban_length(country)
        if length is None:
            continue
        chars, pos = [], match.start()
        while pos < len(text) and len(chars) < length:
            ch = text[pos]
            if ch.isalnum() and (ch.isdigit() or ch.isupper()):
                chars.append(ch)
            elif ch != " " or pos + 1 >= len(text) or not text[pos + 1].isalnum():
                break
            pos += 1
        if len(chars) != length:
            continue
        compact = "".join(chars)
        try:
            IBAN(compact)
            valid = True
        except SchwiftyException:
            valid = False
        found.append(
            Entity(
                "IBAN",
                text[match.start() : pos],
                compact,
                source,
                match.start(),
                pos,
                valid,
                0.99 if valid else 0.3,
            )  # fmt: skip
        )
    return found


_IBAN_LENGTHS: dict[str, int | None] = {}


def _iban_length(country: str) -> int | None:
    if country not in _IBAN_LENGTHS:
        try:
            _IBAN_LENGTHS[country] = registry.get_iban_spec(country).iban_length
        except InvalidCountryCode:
            _IBAN_LENGTHS[country] = None
    return _IBAN_LENGTHS[country]


def _bic_candidates(text: str, source: str) -> list[Entity]:
    found = []
    for match in _BIC.finditer(text):
        has_context = bool(_BIC_CONTEXT.search(text[max(0, match.start() - 20) : match.start()]))
        if not has_context:
            continue
        value = match.group(0)
        try:
            BIC(value)
            valid = True
        except SchwiftyException:
            valid = False
        found.append(
            Entity(
                "BIC",
                value,
                value,
                source,
                match.start(),
                match.end(),
                valid,
                0.95 if valid else 0.3,
            )  # fmt: skip
        )
    return found


def _checked(pattern: re.Pattern, kind: str, is_valid, text: str, source: str) -> list[Entity]:
    return [
        Entity(kind, m.group(0), m.group(0), source, m.start(), m.end(), ok, 0.99 if ok else 0.3)
        for m in pattern.finditer(text)
        for ok in [bool(is_valid(m.group(0)))]
    ]


def _normalize_number(number: str) -> str | None:
    last = max(number.rfind("."), number.rfind(","))
    if last != -1 and len(number) - last - 1 in (1, 2):
        whole, frac = number[:last], number[last + 1 :]
    else:
        whole, frac = number, "00"
    whole = re.sub(r"[.,]", "", whole)
    if not whole.isdigit():
        return None
    return f"{int(whole)}.{frac.ljust(2, '0')}"


def _amounts(text: str, source: str) -> list[Entity]:
    found = []
    for m in _AMOUNT.finditer(text):
        currency = m.group("code1") or m.group("code2") or _SYMBOLS.get(m.group("sym") or "")
        number = m.group("num1") or m.group("num2")
        value = _normalize_number(number) if number else None
        if not currency or value is None:
            continue
        found.append(
            Entity(
                "AMOUNT", m.group(0), f"{value} {currency}", source, m.start(), m.end(), True, 0.9
            )
        )
    return found


def _dates(text: str, source: str) -> list[Entity]:
    found = []
    for pattern, order in _DATES:
        for m in pattern.finditer(text):
            parts = dict(zip(order, m.groups(), strict=True))
            month = _MONTHS[parts["M"].lower()] if "M" in parts else int(parts["m"])
            try:
                day = date(int(parts["y"]), month, int(parts["d"]))
            except ValueError:
                found.append(Entity("DATE", m.group(0), "", source, m.start(), m.end(), False, 0.2))
                continue
            found.append(
                Entity("DATE", m.group(0), day.isoformat(), source, m.start(), m.end(), True, 0.9)
            )
    return found


def _persons(text: str, source: str) -> list[Entity]:
    """Signature-block names: the line that follows a closing formula."""
    found = []
    for closing in _CLOSING.finditer(text):
        rest = text[closing.end() :].lstrip("\n")
        offset = len(text) - len(rest)
        line = rest.split("\n", 1)[0]
        m = _NAME_LINE.match(line)
        if m:
            found.append(
                Entity(
                    "PERSON",
                    m.group(1),
                    m.group(1),
                    source,
                    offset,
                    offset + len(m.group(1)),
                    True,
                    0.7,
                )  # fmt: skip
            )
    return found


def _simple(pattern: re.Pattern, kind: str, text: str, source: str, normalize) -> list[Entity]:
    return [
        Entity(kind, m.group(0), normalize(m.group(0)), source, m.start(), m.end(), True, 0.9)
        for m in pattern.finditer(text)
    ]


def extract_entities(text: str, source: str) -> list[Entity]:
    """Every field found in `text`, spans relative to it; overlaps resolved in favour of valid ones."""
    candidates = (
        _iban_candidates(text, source)
        + _bic_candidates(text, source)
        + _checked(_ISIN, "ISIN", stdnum_isin.is_valid, text, source)
        + _checked(_LEI, "LEI", stdnum_lei.is_valid, text, source)
        + _amounts(text, source)
        + _dates(text, source)
        + _simple(_REFERENCE, "REFERENCE", text, source, str)
        + _simple(_EMAIL, "EMAIL", text, source, str.lower)
        + _simple(_PHONE, "PHONE", text, source, lambda v: re.sub(r"[^\d+]", "", v))
        + _persons(text, source)
    )
    # Valid before rejected, then longer before shorter: the first claim on a span wins.
    candidates.sort(key=lambda e: (not e.valid, -(e.end - e.start), e.start))
    taken: list[tuple[int, int]] = []
    kept = []
    for entity in candidates:
        if any(entity.start < end and start < entity.end for start, end in taken):
            continue
        taken.append((entity.start, entity.end))
        kept.append(entity)
    return sorted(kept, key=lambda e: (e.start, e.type))


def mask_text(text: str, entities: list[Entity]) -> str:
    """`text` with every entity replaced by its type token, e.g. `<IBAN>`; raw values stay out."""
    out, pos = [], 0
    for entity in sorted(entities, key=lambda e: e.start):
        out.append(text[pos : entity.start])
        out.append(f"<{entity.type}>")
        pos = entity.end
    out.append(text[pos:])
    return "".join(out)
