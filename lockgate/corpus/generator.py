"""Writes a day of inbound correspondence (eml, pdf, html, txt) plus its ground truth.

Documents go to the landing folder untouched by anything else; the ground truth
(department, every planted entity with its span and source, or why a file is broken)
goes to the labels folder as JSON lines keyed by doc_id = sha256 of the file's bytes.
"""

from __future__ import annotations

import hashlib
import html
import json
import random
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from faker import Faker
from fpdf import FPDF

from lockgate.corpus import templates
from lockgate.corpus.entities import EntityFactory, Planted
from lockgate.extraction import reasons

DEPARTMENTS = tuple(templates.SENTENCES)
DEPARTMENT_WEIGHTS = {
    "payments": 25,
    "settlements": 20,
    "custody": 15,
    "corporate_actions": 15,
    "complaints": 13,
    "kyc": 12,
}
FORMAT_WEIGHTS = {"eml": 45, "pdf": 25, "txt": 20, "html": 10}
BROKEN_KINDS = {
    reasons.EMPTY: "txt",
    reasons.CORRUPT_PDF: "pdf",
    reasons.MALFORMED_MIME: "eml",
    reasons.BINARY_CONTENT: "eml",
}
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
    subject: TextPart
    body: TextPart
    sender: Planted
    sender_email: Planted
    attachment: TextPart | None


@dataclass
class CorpusSummary:
    landing: str
    labels: str
    documents: int
    broken: int
    by_format: dict[str, int]
    by_department: dict[str, int]


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _compose(rng: random.Random, factory: EntityFactory, department: str, latin1: bool) -> Letter:
    subject = TextPart()
    subject.append(rng.choice(templates.SUBJECTS[department]), factory, "subject", latin1)
    sender = factory.person()
    sender_email = factory.email(sender.value)

    body = TextPart()
    body.append(rng.choice(templates.GREETINGS) + "\n\n", factory, "body", latin1)
    sentences = rng.sample(templates.SENTENCES[department], k=rng.randint(2, 4))
    sentences += rng.sample(templates.GENERIC, k=rng.randint(0, 2))
    if rng.random() < 0.35:
        # Real mail mixes topics: a complaint about a payment, a custody transfer that failed to settle.
        other = rng.choice([d for d in templates.SENTENCES if d != department])
        sentences += rng.sample(templates.SENTENCES[other], k=rng.randint(1, 2))
    rng.shuffle(sentences)
    for sentence in sentences:
        body.append(sentence + "\n", factory, "body", latin1)
    body.append("\n" + rng.choice(templates.CLOSINGS) + "\n", factory, "body", latin1)
    body.append_entity(sender, "body")
    body.text += f"{rng.choice(templates.TITLES)}, {factory.faker.company()}\n"
    body.append_entity(factory.phone(), "body", prefix="Tel: ")
    body.append_entity(sender_email, "body", prefix="Email: ")

    attachment = None
    if rng.random() < 0.3:
        attachment = TextPart()
        attachment.append("Details of the instruction\n", factory, "attachment", True)
        for slot in rng.sample(["ISIN", "AMOUNT", "DATE", "REFERENCE", "IBAN"], k=3):
            attachment.append(f"{slot.title()}: {{{slot}}}\n", factory, "attachment", True)
    return Letter(department, subject, body, sender, sender_email, attachment)


def _pdf_bytes(title: str, text: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(_FIXED_PDF_DATE)
    pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("Helvetica", size=9)
    for paragraph in text.split("\n"):
        pdf.multi_cell(0, 4.5, paragraph, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _html_bytes(subject: str, body: str) -> bytes:
    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in body.split("\n") if line)
    page = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head>\n"
        f"<body>\n{paragraphs}\n</body></html>\n"
    )
    return page.encode("utf-8")


def _eml_bytes(letter: Letter, rng: random.Random, run_date: date, seq: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{letter.sender.value} <{letter.sender_email.value}>"
    msg["To"] = "operations@lockgate-bank.example"
    msg["Subject"] = letter.subject.text
    msg["Date"] = format_datetime(
        datetime(run_date.year, run_date.month, run_date.day, 6 + seq % 12, seq % 60, tzinfo=UTC)
    )
    msg["Message-ID"] = f"<{run_date.isoformat()}.{seq:06d}@mail.lockgate.example>"
    msg.set_content(letter.body.text)
    if letter.attachment is not None:
        if rng.random() < 0.5:
            data = _pdf_bytes("Details", letter.attachment.text)
            msg.add_attachment(data, maintype="application", subtype="pdf", filename="details.pdf")
        else:
            msg.add_attachment(letter.attachment.text, filename="details.txt")
        msg.set_boundary(f"==lockgate-{seq:06d}-{rng.getrandbits(32):08x}==")
    return bytes(msg)


def _broken_bytes(kind: str, rng: random.Random, valid_eml: bytes) -> bytes:
    if kind == reasons.EMPTY:
        return b""
    if kind == reasons.CORRUPT_PDF:
        return b"%PDF-1.7\n" + rng.randbytes(rng.randint(200, 2000))
    if kind == reasons.MALFORMED_MIME:
        # A multipart message cut off before its closing boundary.
        return valid_eml[: len(valid_eml) // 2]
    if kind == reasons.BINARY_CONTENT:
        return rng.randbytes(rng.randint(500, 4000))
    raise ValueError(f"unknown broken kind {kind}")


def _truth_entities(letter: Letter, fmt: str) -> list[dict]:
    if fmt == "eml":
        parts = [letter.subject, letter.body] + ([letter.attachment] if letter.attachment else [])
        return [asdict(e) for part in parts for e in part.entities]
    # Non-email formats carry the subject as the first line of the text.
    offset = len(letter.subject.text) + 2
    spans = [asdict(e) | {"source": "body"} for e in letter.subject.entities]
    spans += [
        asdict(e) | {"start": e.start + offset, "end": e.end + offset} for e in letter.body.entities
    ]
    return spans


def generate_corpus(
    landing_dir: str | Path,
    labels_dir: str | Path,
    run_date: str,
    documents: int,
    seed: int = 7,
    broken_share: float = 0.03,
) -> CorpusSummary:
    """Write `documents` files (a `broken_share` of them deliberately broken) for one run date."""
    if documents < 1:
        raise ValueError("documents must be at least 1")
    day = date.fromisoformat(run_date)
    landing, labels = Path(landing_dir), Path(labels_dir)
    landing.mkdir(parents=True, exist_ok=True)
    labels.mkdir(parents=True, exist_ok=True)
    faker = Faker("en_GB")
    by_format: dict[str, int] = {}
    by_department: dict[str, int] = {}
    broken = 0
    truth_lines = []
    for seq in range(documents):
        doc_seed = int.from_bytes(
            hashlib.sha256(f"{seed}:{run_date}:{seq}".encode()).digest()[:8], "big"
        )
        rng = random.Random(doc_seed)
        faker.seed_instance(doc_seed)
        factory = EntityFactory(rng, faker)
        department = _weighted(rng, DEPARTMENT_WEIGHTS)
        fmt = _weighted(rng, FORMAT_WEIGHTS)
        broken_kind = None
        if rng.random() < broken_share:
            broken_kind = rng.choice(sorted(BROKEN_KINDS))
            fmt = BROKEN_KINDS[broken_kind]
        letter = _compose(rng, factory, department, latin1=(fmt == "pdf"))
        full_text = f"{letter.subject.text}\n\n{letter.body.text}"
        if fmt == "eml":
            if broken_kind == reasons.MALFORMED_MIME and letter.attachment is None:
                letter.attachment = TextPart(text="Details of the instruction\n")
            data = _eml_bytes(letter, rng, day, seq)
        elif fmt == "pdf":
            data = _pdf_bytes(letter.subject.text, full_text)
        elif fmt == "html":
            data = _html_bytes(letter.subject.text, letter.body.text)
        else:
            data = full_text.encode("utf-8")
        if broken_kind:
            data = _broken_bytes(broken_kind, rng, data)
            broken += 1
        name = f"{run_date}-{seq:06d}.{fmt}"
        (landing / name).write_bytes(data)
        record = {
            "doc_id": hashlib.sha256(data).hexdigest(),
            "file": name,
            "format": fmt,
            "run_date": run_date,
            "department": department,
            "language": "en",
            "broken_reason": broken_kind,
            "entities": [] if broken_kind else _truth_entities(letter, fmt),
        }
        truth_lines.append(json.dumps(record, sort_keys=True))
        by_format[fmt] = by_format.get(fmt, 0) + 1
        if not broken_kind:
            by_department[department] = by_department.get(department, 0) + 1
    (labels / "ground_truth.jsonl").write_text("\n".join(truth_lines) + "\n", encoding="utf-8")
    return CorpusSummary(
        landing=str(landing),
        labels=str(labels),
        documents=documents,
        broken=broken,
        by_format=dict(sorted(by_format.items())),
        by_department=dict(sorted(by_department.items())),
    )
