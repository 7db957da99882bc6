"""Person names that the words around them give away, beside the name model's finds.

The model reads a line at a time and learned names from letters; real correspondence also
writes them where a rule can read them:

- after a form of address: "Hallo Herr Specht", "Dear Mrs Oakes", "Frau Dr. Anna Weber";
- after a greeting, a given name alone: "Hello Allan!", "Hi Jeff,";
- in a company's imprint, listed after a role: "Vorstand: Roland Boekhout (Vorsitzender),
  Bernd Geilen, Remco Nieland", "Directors: ...";
- on the line under an e-mail signature's separator ("-- ") or a bill's party label
  ("Zahlbar durch", "Payable by", "Organizer");
- after a contact's label on a form ("Ansprechpartner: Tim Kleine"), as a quoted message's
  sender or recipient ("From: bob <bob@...>"), on the first line of a postal address;
- a given name alone on a message's last line (the sign-off "Jeff").

Each rule needs the name model's word lists (`names`: given and family names, `common`:
frequent words), so that "Herr Kundennummer" or "Vorstand: Market News" are no names; a given
name alone (after a greeting, as a sign-off) must be a known one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lockgate.extraction.alternation import alternation
from lockgate.extraction.name_words import (
    FORMS_OF_ADDRESS,
    GREETINGS,
    LEGAL_FORM_WORDS,
    NAME_LABEL,
    NAME_LABEL_KEYS,
    PARTICLE_WORDS,
    TITLES,
)

_CAP = r"[^\W\d_a-z][^\W\d_]*(?:['’][^\W\d_]+)?"
_PART = rf"{_CAP}(?:-{_CAP})*"
_PARTICLE = alternation(PARTICLE_WORDS)
_RUN = rf"{_PART}(?:[ \t](?:{_PARTICLE}[ \t])*{_PART}){{0,2}}"  # one space apart: a column ends it
_HONORIFIC = alternation(FORMS_OF_ADDRESS)
_TITLE = rf"(?:{alternation(TITLES, dotted=True)}[ \t]+)"
_AFTER_HONORIFIC = re.compile(rf"\b{_HONORIFIC}\.?[ \t]+{_TITLE}*(?P<name>{_RUN})")
_GREETING = re.compile(rf"\b{alternation(GREETINGS)}[ \t]+(?P<name>{_CAP})(?=[ \t]*[,!:.\n])")
_ROLE_LIST = re.compile(
    r"\b(?i:vorstand|vorstände|aufsichtsrat|vorsitzende[rn]?(?: des aufsichtsrat(?:e)?s)?"
    r"|geschäftsführer(?:in)?|geschäftsführung|directors?|managing directors?|board"
    r"|bestuur|directie|gérants?|président(?:e)?|prokurist(?:en)?)[ \t]*:[ \t]*"
    r"(?P<list>(?:[^\n]*,[ \t]*\n)*[^\n]*)"
)
_PARTY_LABEL = re.compile(
    r"(?m)^[ \t]*(?i:--|zahlbar durch|payable by|payable par|pagabile da|organizer|organisator"
    r"|organisateur)[ \t]*\r?\n(?:[ \t]*\r?\n)?[ \t]*(?P<name>" + _RUN + r")"
    r"(?=[ \t]*(?:\r?$|,|[ \t]-[ \t]|\|))"
)
# Words that end a name run: a contact label.
_LABELS = frozenset("tel fax telefon telefax phone mobil mobile email mail tél".split())
# A contact's label on a form or an invoice ("Ansprechpartner: Tim Kleine").
_NAME_LABEL = re.compile(
    rf"\b(?i:{NAME_LABEL})[ \t]*[.:][ \t]*(?:{_HONORIFIC}\.?[ \t]+)?(?P<name>{_RUN})"
)
# A quoted message's header line ("From: bob <bob@...>", "To: Dan Le"): the display name.
_HEADER_NAME = re.compile(
    r"(?m)^[ \t>]*(?i:from|to|cc|von|an|de|à|van|aan)[ \t]*:[ \t]*\"?"
    r"(?P<name>[^\W\d_]+(?:[ \t][^\W\d_]+\.?){0,2})\"?[ \t]*(?:<|\[|\r?$)"
)
# A postal address: a name, its street and number, its postcode and town on the lines after.
_ADDRESS_BLOCK = re.compile(
    rf"(?m)^[ \t]*(?P<name>(?:{_PARTICLE}[ \t])*{_RUN})[ \t]*\r?\n"
    r"[ \t]*(?:[^\n\d]{3,40}[ \t]\d+[a-zA-Z]?(?:[-/]\d+)*|\d+[a-zA-Z]?,?[ \t][^\n\d]{3,40})[ \t]*\r?\n"
    r"[ \t]*(?:[A-Z]{1,2}[- ])?\d{4,5}[ \t]+[^\W\d_]"
)
# Who wrote a quoted message: "On Tuesday, ..., bob wrote:", "Anna Weber schrieb:".
_WROTE = re.compile(
    r"(?:^|, |\n)[ \t>]*(?P<name>[^\W\d_]+(?:[ \t][^\W\d_]+){0,2})[ \t]+"
    r"(?:wrote|schrieb|a écrit|schreef|ha scritto|escribió)[ \t]*:"
)
# A line that opens with an initial and a family name ("H. Meier Geschäftsführer").
_INITIAL_NAME = re.compile(rf"(?m)^[ \t]*(?P<name>[^\W\d_a-z]\.[ \t]?{_PART})(?![^\W\d_])")
_LAST_LINE = re.compile(r"\n[ \t]*\n[ \t]*(?P<name>[^\W\d_]{2,})[ \t]*\s*$")
_REMARK = re.compile(r"\([^)]*\)")


# The key words of the rules that run only where one of them is in the text.
_ROLE_KEYS = (
    "vorstand",
    "vorstände",
    "aufsichtsrat",
    "vorsitzende",
    "geschäftsf",
    "director",
    "board",
    "bestuur",
    "directie",
    "gérant",
    "présid",
    "prokurist",
)
_WROTE_KEYS = ("wrote", "schrieb", "écrit", "schreef", "scritto", "escribió")


def _words(name: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[^\W\d_]+", name)]


def _plausible(
    name: str, names: frozenset[str], common: frozenset[str], full: bool, known: bool = False
) -> bool:
    """Whether `name`, in a context that says a person's name stands there, can be one: a full
    name (two words at least) when `full`, every word in Title Case, no legal form ("Machina
    Futura AG"), and a known given or family name (always, when `known`) or else a word that is
    not a frequent one ("Zeljko Kaurin", "Ev Kontsevoy"; not "Market News")."""
    raw = [w for w in re.findall(r"[^\W\d_]+", name) if not re.fullmatch(_PARTICLE, w)]
    words = [w.lower() for w in raw]
    if not words or (full and len(words) < 2):
        return False
    if not all(w[0].isupper() and (len(w) == 1 or w[1:].islower()) for w in raw):
        return False  # "LE FOURNISSEUR", "USt-IdNr"
    if any(w in LEGAL_FORM_WORDS for w in words):
        return False
    if any(w in names for w in words):
        return True
    return not known and not all(w in common for w in words)


def _name_length(run: str) -> int:
    """How much of a run of capitalised words is the name: up to a contact label after it
    ("Martin Hetzner Tel.: ...")."""
    tokens = list(re.finditer(r"\S+", run))
    while tokens and tokens[-1].group(0).lower().rstrip(".:") in _LABELS:
        tokens.pop()
    return tokens[-1].end() if tokens else 0


def _name_lists(text: str, names: frozenset[str]) -> Iterator[tuple[int, int]]:
    """The given names of a line that lists three or more people, most of them by known given
    names ("Andre, dkg, gniibe, Justus, Marcus, Neal, and Werner")."""
    for line in re.finditer(r"[^\n]*,[^\n]*,[^\n]*", text):
        items = list(re.finditer(r"[^,]+", line.group(0)))
        if len(items) < 3:
            continue
        found = []
        for item in items:
            m = re.fullmatch(
                r"[ \t]*(?:(?:and|und|et|en)[ \t]+)?(?P<name>[^\W\d_]+(?:[ \t][^\W\d_]+)?)[ \t.]*",
                item.group(0),
            )
            if m and all(w.lower() in names for w in m.group("name").split()):
                found.append(
                    (
                        line.start() + item.start() + m.start("name"),
                        line.start() + item.start() + m.end("name"),
                    )
                )
        if len(found) >= 3 and len(found) * 2 >= len(items):
            yield from found


def context_names(
    text: str, names: frozenset[str], common: frozenset[str]
) -> Iterator[tuple[int, int, str]]:
    """(start, end, rule) of each name the context gives away in `text`.

    A rule whose key words are nowhere in the text (in lower case) is not run: most letters
    hold none of an imprint's roles or a reply's "wrote", and the patterns cost more than the
    look-up.
    """
    lower = text.lower()
    for m in _AFTER_HONORIFIC.finditer(text):
        end = m.start("name") + _name_length(m.group("name"))
        if end > m.start("name") and _plausible(text[m.start("name") : end], names, common, False):
            yield m.start("name"), end, "honorific"
    for m in _GREETING.finditer(text):
        if m.group("name").lower() in names:
            yield m.start("name"), m.end("name"), "greeting"
    for m in _ROLE_LIST.finditer(text) if any(k in lower for k in _ROLE_KEYS) else ():
        base = m.start("list")
        listed = _REMARK.sub(lambda r: " " * len(r.group(0)), m.group("list"))
        for item in re.finditer(r"[^,\n]+", listed):
            inner = re.search(rf"(?:{_TITLE})*(?P<name>{_RUN})", item.group(0))
            if inner is None:
                continue
            start = base + item.start() + inner.start("name")
            end = start + _name_length(inner.group("name"))
            if _plausible(text[start:end], names, common, full=True):
                yield start, end, "role"
    for m in _PARTY_LABEL.finditer(text):
        end = m.start("name") + _name_length(m.group("name"))
        if _plausible(text[m.start("name") : end], names, common, full=True):
            yield m.start("name"), end, "party"
    for m in _NAME_LABEL.finditer(text) if any(k in lower for k in NAME_LABEL_KEYS) else ():
        end = m.start("name") + _name_length(m.group("name"))
        if _plausible(text[m.start("name") : end], names, common, full=True, known=True):
            yield m.start("name"), end, "label"
    for m in _HEADER_NAME.finditer(text):
        words = _words(m.group("name"))
        if any(w in names for w in words) and not all(
            w in common and w not in names for w in words
        ):
            yield m.start("name"), m.end("name"), "header"
    for m in _ADDRESS_BLOCK.finditer(text):
        if _plausible(m.group("name"), names, common, full=True, known=True):
            yield m.start("name"), m.end("name"), "address"
    for m in _WROTE.finditer(text) if any(k in lower for k in _WROTE_KEYS) else ():
        words = _words(m.group("name"))
        if words and words[0] in names and not all(w in common and w not in names for w in words):
            yield m.start("name"), m.end("name"), "wrote"
    for m in _INITIAL_NAME.finditer(text):
        surname = m.group("name").split(".", 1)[1].strip().lower()
        if surname in names:
            yield m.start("name"), m.end("name"), "initial"
    for start, end in _name_lists(text, names) if text.count(",") >= 2 else ():
        yield start, end, "list"
    if m := _LAST_LINE.search(text):
        if m.group("name").lower() in names:
            yield m.start("name"), m.end("name"), "sign-off"
