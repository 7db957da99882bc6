"""Writes a day of inbound correspondence (eml, pdf, html, txt) plus its ground truth.

Documents go to the landing folder untouched by anything else; the ground truth
(department, urgency, every planted entity with its span and source, or why a file is broken)
goes to the labels folder as JSON lines keyed by doc_id = sha256 of the file's bytes.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import random
import re
import textwrap
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from faker import Faker
from fpdf import FPDF

from lockgate.extraction import reasons
from lockgate.tooling.corpus import templates
from lockgate.tooling.corpus.entities import FAKER_LOCALES, EntityFactory, Planted

DEPARTMENTS = templates.DEPARTMENTS
DEPARTMENT_WEIGHTS = {
    "payments": 25,
    "settlements": 20,
    "custody": 15,
    "corporate_actions": 15,
    "complaints": 13,
    "kyc": 12,
}
LANGUAGE_WEIGHTS = {"en": 55, "fr": 15, "nl": 15, "de": 15}
FORMAT_WEIGHTS = {"eml": 45, "pdf": 25, "txt": 20, "html": 10}
# The counterparties who write in, by their e-mail domain: a back office hears from the same
# firms day after day, which is what makes a new one worth noticing.
CORRESPONDENTS = (
    "northbridge-capital.com", "alder-custody.co.uk", "banque-lumiere.fr", "kanaal-vermogen.nl",
    "rheinwert-bank.de", "harbourline-securities.com", "saint-clair-gestion.fr",
    "polder-pensioen.nl", "isar-treuhand.de", "greyfriars-trust.co.uk", "meridian-funds.lu",
    "valmont-partners.ch", "eastgate-asset.com", "atlantique-titres.fr", "delta-clearing.nl",
    "hanse-depot.de", "thistle-investments.co.uk", "orion-fiduciary.ie", "brabant-beheer.be",
    "moselle-privatbank.lu", "kingsway-brokers.com", "fjord-capital.com",
    "tuileries-patrimoine.fr", "elbe-finanz.de",
)  # fmt: skip


@dataclass(frozen=True)
class CorpusMix:
    """Who writes, about what, in which language: the population a day of letters is drawn from.

    The default is the population lockgate's demo models are trained on; another mix stands for
    the world having changed (monitoring's tests inject one).
    """

    departments: Mapping[str, int] = field(default_factory=lambda: dict(DEPARTMENT_WEIGHTS))
    languages: Mapping[str, int] = field(default_factory=lambda: dict(LANGUAGE_WEIGHTS))
    correspondents: tuple[str, ...] = CORRESPONDENTS

    def __post_init__(self) -> None:
        unknown = set(self.departments) - set(DEPARTMENTS)
        unknown |= set(self.languages) - set(LANGUAGE_WEIGHTS)
        if unknown:
            raise ValueError(f"corpus mix names {sorted(unknown)}; departments are "
                             f"{sorted(DEPARTMENTS)}, languages {sorted(LANGUAGE_WEIGHTS)}")  # fmt: skip
        if not self.correspondents:
            raise ValueError("corpus mix needs at least one correspondent domain")

    @classmethod
    def from_dict(cls, data: Mapping) -> CorpusMix:
        """From a JSON object with any of: departments, languages (name -> weight), and
        correspondents (list of e-mail domains); a missing key keeps the default."""
        unknown = set(data) - {"departments", "languages", "correspondents"}
        if unknown:
            raise ValueError(f"corpus mix keys {sorted(unknown)} are not known")
        kwargs = dict(data)
        if "correspondents" in kwargs:
            kwargs["correspondents"] = tuple(kwargs["correspondents"])
        return cls(**kwargs)


# Broken or hostile files: what is written, in which format, and the quarantine reason the
# extractor must give (None: it must parse it). The weight sets how often each kind is drawn.
HOSTILE_KINDS: dict[str, tuple[str, str | None, int]] = {
    "empty": ("txt", reasons.EMPTY, 10),
    "corrupt_pdf": ("pdf", reasons.CORRUPT_PDF, 10),
    "truncated_mime": ("eml", None, 10),
    "binary_junk": ("eml", reasons.BINARY_CONTENT, 10),
    "zip_bomb": ("zip", reasons.UNSUPPORTED_FORMAT, 5),
    "pdf_bomb": ("pdf", reasons.RESOURCE_LIMIT, 5),
    "deep_multipart": ("eml", reasons.TOO_DEEP, 5),
    "huge_body": ("txt", reasons.RESOURCE_LIMIT, 1),
    "wrong_charset": ("eml", None, 10),
}
# Kinds parsed from what arrived of them (a message cut off mid-way): which planted fields
# survived is not known, so their fields, language and signature are not scored.
PARTIAL_KINDS = frozenset({"truncated_mime"})
_SLOT = re.compile(r"\{([A-Z]+)\}")
_FIXED_PDF_DATE = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class EntitySpan:
    type: str
    value: str
    normalized: str
    source: str
    start: int
    end: int


@dataclass
class TextPart:
    """Text with the spans of the entities planted in it."""

    text: str = ""
    entities: list[EntitySpan] = field(default_factory=list)

    def append(self, template: str, factory: EntityFactory, source: str, latin1: bool) -> None:
        pos = 0
        for match in _SLOT.finditer(template):
            self.text += template[pos : match.start()]
            planted = _draw(factory, match.group(1), latin1)
            start = len(self.text)
            self.text += planted.value
            self.entities.append(
                EntitySpan(
                    planted.type, planted.value, planted.normalized, source, start, len(self.text)
                )
            )
            pos = match.end()
        self.text += template[pos:]

    def append_entity(self, planted: Planted, source: str, prefix: str = "") -> None:
        self.text += prefix
        start = len(self.text)
        self.text += planted.value
        self.entities.append(
            EntitySpan(
                planted.type, planted.value, planted.normalized, source, start, len(self.text)
            )
        )
        self.text += "\n"


def _draw(factory: EntityFactory, slot: str, latin1: bool) -> Planted:
    draw = getattr(factory, slot.lower())
    for _ in range(20):
        planted = draw()
        if not latin1 or _is_latin1(planted.value):
            return planted
    raise RuntimeError(f"could not draw a latin-1 value for {slot}")


def _is_latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class Letter:
    department: str
    language: str
    subject: TextPart
    body: TextPart
    has_signature: bool
    attachment: TextPart | None
    sender: Planted | None = None
    sender_email: Planted | None = None
    forwarded: Letter | None = None


@dataclass
class CorpusSummary:
    landing: str
    labels: str
    documents: int
    broken: int
    by_format: dict[str, int]
    by_department: dict[str, int]
    by_language: dict[str, int] = field(default_factory=dict)
    hostile: int = 0  # broken plus hostile files the extractor must still parse (wrong charset)


def _weighted(rng: random.Random, weights: Mapping[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _compose(
    rng: random.Random, factory: EntityFactory, department: str, language: str, latin1: bool
) -> Letter:
    pack = templates.PACKS[language]
    subject = TextPart()
    subject.append(rng.choice(pack.SUBJECTS[department]), factory, "subject", latin1)

    body = TextPart()
    greeting = rng.choice(pack.NAMED_GREETINGS if rng.random() < 0.3 else pack.GREETINGS)
    body.append(greeting + "\n\n", factory, "body", latin1)
    sentences = rng.sample(pack.SENTENCES[department], k=rng.randint(2, 4))
    sentences += rng.sample(pack.GENERIC, k=rng.randint(0, 2))
    if rng.random() < 0.35:
        # Real mail mixes topics: a complaint about a payment, a custody transfer that failed to settle.
        other = rng.choice([d for d in templates.DEPARTMENTS if d != department])
        sentences += rng.sample(pack.SENTENCES[other], k=rng.randint(1, 2))
    if rng.random() < 0.4:
        sentences.append(rng.choice(pack.PERSON_SENTENCES))
    rng.shuffle(sentences)
    for sentence in sentences:
        body.append(sentence + "\n", factory, "body", latin1)

    letter = Letter(department, language, subject, body, False, None)
    if rng.random() < 0.9:
        letter.has_signature = True
        letter.sender = _draw(factory, "PERSON", latin1)
        letter.sender_email = factory.email(letter.sender.value)
        body.append("\n" + rng.choice(pack.CLOSINGS) + "\n", factory, "body", latin1)
        body.append_entity(letter.sender, "body")
        body.text += f"{rng.choice(pack.TITLES)}, {factory.faker.company()}\n"
        sender_domain = letter.sender_email.value.rsplit("@", 1)[-1]
        body.append_entity(factory.phone(sender_domain), "body", prefix=f"{pack.PHONE_LABEL}: ")
        body.append_entity(letter.sender_email, "body", prefix=f"{pack.EMAIL_LABEL}: ")

    if rng.random() < 0.3:
        attachment = TextPart()
        attachment.append(pack.ATTACHMENT_TITLE + "\n", factory, "attachment", True)
        for slot in rng.sample(["ISIN", "AMOUNT", "DATE", "REFERENCE", "IBAN"], k=3):
            attachment.append(
                f"{pack.FIELD_LABELS[slot]}: {{{slot}}}\n", factory, "attachment", True
            )
        letter.attachment = attachment
    return letter


PDF_LAYOUTS = ("flowed", "lines")


def _pdf_bytes(title: str, text: str, layout: str = "flowed") -> bytes:
    """A4 pages of Helvetica 9. "flowed" lets fpdf2 break each paragraph to the page width;
    "lines" wraps at 95 characters and places each line itself, the same text about fifty
    times faster (fpdf2's line breaking measures every character in Python), for corpora of
    a million documents."""
    pdf = FPDF(format="A4")
    pdf.set_creation_date(_FIXED_PDF_DATE)
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    if layout == "flowed":
        for paragraph in text.split("\n"):
            pdf.multi_cell(0, 4.5, paragraph, new_x="LMARGIN", new_y="NEXT")
        return bytes(pdf.output())
    if layout != "lines":
        raise ValueError(f"pdf layout {layout!r} is none of {PDF_LAYOUTS}")
    top, bottom, y = 15.0, 282.0, 15.0
    for paragraph in text.split("\n"):
        for line in textwrap.wrap(paragraph, 95) or [""]:
            if y > bottom:
                pdf.add_page()
                y = top
            if line:
                pdf.text(10, y, line)
            y += 4.5
    return bytes(pdf.output())


def _html_page(subject: str, body: str) -> str:
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in body.split("\n") if line)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n"
        f"<body>\n{paragraphs}\n</body></html>\n"
    )


def _body_charset(rng: random.Random, text: str) -> str:
    if _is_latin1(text) and rng.random() < 0.3:
        return rng.choice(("iso-8859-1", "windows-1252"))
    return "utf-8"


def _eml_message(letter: Letter, rng: random.Random, run_date: date, seq: int,
                 pdf_layout: str = "flowed") -> EmailMessage:  # fmt: skip
    msg = EmailMessage()
    sender = letter.sender.value if letter.sender else "Operations"
    address = letter.sender_email.value if letter.sender_email else "noreply@client.example"
    msg["From"] = f"{sender} <{address}>"
    msg["To"] = "operations@lockgate-bank.example"
    msg["Subject"] = letter.subject.text
    msg["Date"] = format_datetime(
        datetime(run_date.year, run_date.month, run_date.day, 6 + seq % 12, seq % 60, tzinfo=UTC)
    )
    msg["Message-ID"] = (
        f"<{run_date.isoformat()}.{seq:06d}.{rng.getrandbits(24):06x}@mail.lockgate.example>"
    )
    text = letter.body.text
    cte = rng.choice(("quoted-printable", "base64", "8bit"))
    layout = rng.random()
    if layout < 0.15:
        # HTML-only mail, as many clients send it.
        msg.set_content(_html_page(letter.subject.text, text), subtype="html", cte=cte)
    else:
        charset = _body_charset(rng, text)
        if charset == "utf-8":
            msg.set_content(text, cte=cte)
        else:
            msg.set_content(text.encode(charset), maintype="text", subtype="plain", cte=cte)
            msg.set_param("charset", charset)
        if layout > 0.8:
            msg.add_alternative(_html_page(letter.subject.text, text), subtype="html")
    if letter.attachment is not None:
        kind = rng.random()
        if kind < 0.45:
            data = _pdf_bytes("Details", letter.attachment.text, pdf_layout)
            msg.add_attachment(data, maintype="application", subtype="pdf", filename="details.pdf")
        elif kind < 0.75:
            msg.add_attachment(letter.attachment.text, filename="details.txt")
        else:
            page = _html_page("Details", letter.attachment.text)
            msg.add_attachment(page, subtype="html", filename="details.html")
    if letter.forwarded is not None:
        inner = _eml_message(letter.forwarded, rng, run_date, seq)
        msg.add_attachment(inner)
    # Every multipart level gets a seeded boundary (the email package draws unseeded ones).
    for level, part in enumerate(msg.walk()):
        if part.is_multipart():
            part.set_boundary(f"==lockgate-{seq:06d}-{level}-{rng.getrandbits(32):08x}==")
    return msg


def _pdf_bomb() -> bytes:
    """A one-page PDF whose content stream inflates to 80 MB from about 80 KB."""
    stream = zlib.compress(b" " * 80_000_000, 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        info = zipfile.ZipInfo("statement.txt", date_time=(2026, 1, 1, 0, 0, 0))
        archive.writestr(info, b"0" * 50_000_000, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _deep_multipart(depth: int) -> bytes:
    head = b"From: a@b.example\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
    parts = []
    for level in range(depth):
        parts.append(
            b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level)
        )
    inner = b"Content-Type: text/plain\r\n\r\nhello\r\n"
    closing = b"".join(b"\r\n--b%d--\r\n" % level for level in reversed(range(depth)))
    return head + b"".join(parts) + inner + closing


def _hostile_bytes(kind: str, rng: random.Random, letter: Letter, valid: bytes) -> bytes:
    if kind == "empty":
        return b""
    if kind == "corrupt_pdf":
        return b"%PDF-1.7\n" + rng.randbytes(rng.randint(200, 2000))
    if kind == "truncated_mime":
        return valid[: len(valid) // 2]  # a multipart message cut off before its closing boundary
    if kind == "binary_junk":
        return rng.randbytes(rng.randint(500, 4000))
    if kind == "zip_bomb":
        return _zip_bomb()
    if kind == "pdf_bomb":
        return _pdf_bomb()
    if kind == "deep_multipart":
        return _deep_multipart(rng.randint(40, 200))
    if kind == "huge_body":
        return (letter.body.text + "\n").encode() * (
            10_500_000 // max(1, len(letter.body.text)) + 1
        )
    if kind == "wrong_charset":
        # Latin-1 bytes declared as UTF-8: the extractor must not trust the declaration.
        text = letter.body.text.replace("€", "EUR")
        return (
            f"From: {letter.sender_email.value if letter.sender_email else 'a@b.example'}\r\n"
            f"Subject: {letter.subject.text}\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        ).encode("latin-1", "replace") + text.encode("latin-1", "replace")
    raise ValueError(f"unknown hostile kind {kind}")


def labelled_texts(count: int, seed: int) -> list[tuple[str, str, list[tuple[int, int, str]]]]:
    """(language, text, entity spans) of `count` composed letters: training data for text models.

    The same letters the corpus writes (subject, body, signature), without the file formats.
    """
    fakers = {lang: Faker(locale) for lang, locale in FAKER_LOCALES.items()}
    out = []
    for seq in range(count):
        rng = random.Random(
            int.from_bytes(hashlib.sha256(f"texts:{seed}:{seq}".encode()).digest()[:8], "big")
        )
        language = _weighted(rng, LANGUAGE_WEIGHTS)
        fakers[language].seed_instance(rng.getrandbits(64))
        factory = EntityFactory(rng, fakers[language], language)
        letter = _compose(rng, factory, _weighted(rng, DEPARTMENT_WEIGHTS), language, latin1=False)
        offset = len(letter.subject.text) + 2
        spans = [(e.start, e.end, e.type) for e in letter.subject.entities]
        spans += [(e.start + offset, e.end + offset, e.type) for e in letter.body.entities]
        out.append((language, f"{letter.subject.text}\n\n{letter.body.text}", spans))
    return out


def hostile_file(kind: str, seed: int = 0) -> tuple[str, bytes, str | None]:
    """(file name, bytes, quarantine reason the extractor must give) for one hostile `kind`."""
    fmt, reason, _ = HOSTILE_KINDS[kind]
    rng = random.Random(seed)
    factory = EntityFactory(rng, Faker(FAKER_LOCALES["en"]), "en")
    letter = _compose(rng, factory, "payments", "en", latin1=True)
    if letter.attachment is None:
        letter.attachment = TextPart(text="Details\n")
    valid = bytes(_eml_message(letter, rng, date(2026, 1, 1), seed))
    return f"{kind}.{fmt}", _hostile_bytes(kind, rng, letter, valid), reason


def _truth_entities(letter: Letter, fmt: str) -> list[dict]:
    if fmt == "eml":
        parts = [letter.subject, letter.body] + ([letter.attachment] if letter.attachment else [])
        spans = [asdict(e) for part in parts for e in part.entities]
        if letter.forwarded is not None:
            inner = letter.forwarded
            spans += [asdict(e) | {"source": "attachment"} for e in inner.body.entities]
        return spans
    # Non-email formats carry the subject as the first line of the text.
    offset = len(letter.subject.text) + 2
    spans = [asdict(e) | {"source": "body"} for e in letter.subject.entities]
    spans += [
        asdict(e) | {"start": e.start + offset, "end": e.end + offset} for e in letter.body.entities
    ]
    return spans


URGENT_AMOUNT = 3_000_000.0
URGENCY_NOISE = 5  # of 256: about 2% of labels disagree with the rule, as real labels do


def urgency_label(entities: list[dict], doc_seed: int) -> str:
    """The urgency an operations analyst gave a letter: a large sum, or a transfer with dates.

    A function of what is in the letter (so a model on extracted fields can learn it) with a
    little noise drawn from the document's own seed, not from the corpus generator's stream.
    """
    amounts = [float(e["normalized"].split()[0]) for e in entities if e["type"] == "AMOUNT"]
    ibans = sum(e["type"] == "IBAN" for e in entities)
    dates = sum(e["type"] == "DATE" for e in entities)
    urgent = max(amounts, default=0.0) >= URGENT_AMOUNT or (ibans >= 1 and dates >= 2)
    if hashlib.sha256(f"urgency:{doc_seed}".encode()).digest()[0] < URGENCY_NOISE:
        urgent = not urgent
    return "urgent" if urgent else "routine"


def _truth_for_hostile(kind: str, letter: Letter) -> list[dict]:
    if kind != "wrong_charset":
        return []
    subject = [asdict(e) for e in letter.subject.entities]
    # Values with characters Latin-1 cannot carry are lost in transit; only the rest are truth.
    body = [asdict(e) for e in letter.body.entities if _is_latin1(e.value) and "€" not in e.value]
    return subject + body


def generate_corpus(
    landing_dir: str | Path,
    labels_dir: str | Path,
    run_date: str,
    documents: int,
    seed: int = 7,
    broken_share: float = 0.03,
    mix: CorpusMix | None = None,
    first: int = 0,
    pdf_layout: str = "flowed",
) -> CorpusSummary:
    """Write `documents` files (a `broken_share` of them broken or hostile) for one run date.

    Files are numbered from `first`, so that parts of one day can be generated in parallel
    (each part writes its own ground truth). `pdf_layout` is how PDF text is laid out (see
    `_pdf_bytes`); the default keeps the corpus byte for byte what it has always been.

    Letters are in English, French, Dutch and German. The ground truth per file: department,
    language, whether it is signed, every planted entity (type, value, normalised value, source
    and span), and for a hostile file its kind and the quarantine reason the extractor must give.
    """
    if documents < 1:
        raise ValueError("documents must be at least 1")
    mix = mix or CorpusMix()
    day = date.fromisoformat(run_date)
    landing, labels = Path(landing_dir), Path(labels_dir)
    landing.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    fakers = {lang: Faker(locale) for lang, locale in FAKER_LOCALES.items()}
    by_format: dict[str, int] = {}
    by_department: dict[str, int] = {}
    by_language: dict[str, int] = {}
    hostile_weights = {kind: spec[2] for kind, spec in HOSTILE_KINDS.items()}
    broken = hostile_count = 0
    truth_lines = []
    for seq in range(first, first + documents):
        doc_seed = int.from_bytes(
            hashlib.sha256(f"{seed}:{run_date}:{seq}".encode()).digest()[:8], "big"
        )
        rng = random.Random(doc_seed)
        department = _weighted(rng, mix.departments)
        language = _weighted(rng, mix.languages)
        faker = fakers[language]
        faker.seed_instance(doc_seed)
        factory = EntityFactory(rng, faker, language, mix.correspondents)
        fmt = _weighted(rng, FORMAT_WEIGHTS)
        hostile = _weighted(rng, hostile_weights) if rng.random() < broken_share else None
        if hostile:
            fmt = HOSTILE_KINDS[hostile][0]
        letter = _compose(
            rng, factory, department, language, latin1=fmt == "pdf" or hostile == "wrong_charset"
        )
        full_text = f"{letter.subject.text}\n\n{letter.body.text}"
        if fmt == "eml":
            if hostile == "truncated_mime" and letter.attachment is None:
                letter.attachment = TextPart(text="Details\n")
            if not hostile and rng.random() < 0.05:
                letter.forwarded = _compose(rng, factory, department, language, latin1=False)
            data = bytes(_eml_message(letter, rng, day, seq, pdf_layout))
        elif fmt == "pdf":
            data = _pdf_bytes(letter.subject.text, full_text, pdf_layout)
        elif fmt == "html":
            data = _html_page(letter.subject.text, letter.body.text).encode("utf-8")
        else:
            data = full_text.encode("utf-8")
        expected_reason = None
        if hostile:
            data = _hostile_bytes(hostile, rng, letter, data)
            expected_reason = HOSTILE_KINDS[hostile][1]
            hostile_count += 1
            broken += expected_reason is not None
        name = f"{run_date}-{seq:06d}.{fmt}"
        (landing / name).write_bytes(data)
        entities = _truth_for_hostile(hostile, letter) if hostile else _truth_entities(letter, fmt)
        record = {
            "doc_id": hashlib.sha256(data).hexdigest(),
            "file": name,
            "format": fmt,
            "run_date": run_date,
            "department": department,
            "urgency": urgency_label(entities, doc_seed),
            "language": language,
            "has_signature": letter.has_signature and expected_reason is None,
            "hostile_kind": hostile,
            "broken_reason": expected_reason,
            "entities": [] if expected_reason else entities,
            "fields_known": hostile not in PARTIAL_KINDS,
        }
        truth_lines.append(json.dumps(record, sort_keys=True, ensure_ascii=False))
        by_format[fmt] = by_format.get(fmt, 0) + 1
        if not expected_reason:
            by_department[department] = by_department.get(department, 0) + 1
            by_language[language] = by_language.get(language, 0) + 1
    (labels / "ground_truth.jsonl").write_text("\n".join(truth_lines) + "\n", encoding="utf-8")
    return CorpusSummary(
        landing=str(landing),
        labels=str(labels),
        documents=documents,
        broken=broken,
        by_format=dict(sorted(by_format.items())),
        by_department=dict(sorted(by_department.items())),
        by_language=dict(sorted(by_language.items())),
        hostile=hostile_count,
    )
