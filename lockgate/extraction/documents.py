"""Turn one received file into an extracted document or a quarantine record (pure, no Spark).

Every input gives exactly one output row; a parser failure becomes a quarantine reason,
never an exception that would stop the run.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parseaddr

from lockgate.extraction import reasons
from lockgate.extraction.entities import Entity, extract_entities, mask_text

EXTRACTOR_VERSION = "1"
log = logging.getLogger(__name__)

# Defects of a MIME structure that mean the message did not arrive whole.
_FATAL_MIME_DEFECTS = (
    "StartBoundaryNotFoundDefect",
    "CloseBoundaryNotFoundDefect",
    "MultipartInvariantViolationDefect",
    "InvalidBase64PaddingDefect",
    "InvalidBase64CharactersDefect",
    "InvalidBase64LengthDefect",
    "MissingHeaderBodySeparatorDefect",
)


class Quarantined(Exception):
    """A document that cannot be extracted; carries a stable reason code from `reasons`."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class Section:
    source: str
    text: str


@dataclass
class Extracted:
    format: str
    sections: list[Section]
    sender_domain: str | None = None
    attachment_count: int = 0
    entities: list[Entity] = field(default_factory=list)


def sniff_format(data: bytes, file_name: str) -> str:
    """The format by content first, the file extension only to break ties."""
    head = data[:1024].lstrip()
    ext = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if head.startswith(b"%PDF"):
        return "pdf"
    lowered = head.lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or (
        ext in ("html", "htm") and b"<" in head
    ):
        return "html"
    if ext == "eml" or _looks_like_rfc822(head):
        return "eml"
    if ext in ("txt", "text", ""):
        return "txt"
    if ext == "pdf":
        return "pdf"
    return ext


def _looks_like_rfc822(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0]
    return any(
        first.lower().startswith(h)
        for h in (
            b"from:",
            b"to:",
            b"subject:",
            b"received:",
            b"mime-version:",
            b"return-path:",
            b"date:",
        )
    )


def _is_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control / max(1, len(sample)) > 0.05


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Bytes to text: the declared charset, then UTF-8, then Windows-1252 (never fails)."""
    for charset in (declared, "utf-8"):
        if not charset:
            continue
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("cp1252", errors="replace")


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise Quarantined(reasons.CORRUPT_PDF, f"{type(exc).__name__}: {exc}"[:200]) from exc
    if not pages:
        raise Quarantined(reasons.CORRUPT_PDF, "the PDF has no pages")
    text = "\n".join(pages).strip()
    if not text:
        raise Quarantined(reasons.NEEDS_OCR, f"{len(pages)} page(s) without a text layer")
    return text


def _html_text(markup: str) -> tuple[str, str]:
    """(title, visible text) of an HTML page; scripts, styles and the head are not text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else ""
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    lines = [line.strip() for line in soup.get_text("\n").splitlines()]
    return title, "\n".join(line for line in lines if line)


def _eml(data: bytes) -> Extracted:
    msg: EmailMessage = BytesParser(policy=policy.default).parsebytes(data)  # type: ignore[assignment]
    defects = [d for part in msg.walk() for d in part.defects]
    fatal = [type(d).__name__ for d in defects if type(d).__name__ in _FATAL_MIME_DEFECTS]
    if fatal:
        raise Quarantined(reasons.MALFORMED_MIME, ", ".join(sorted(set(fatal))))
    if not any(msg.get(h) for h in ("From", "Subject", "Date", "To")):
        raise Quarantined(reasons.MALFORMED_MIME, "no RFC 822 headers")
    sections = [Section("subject", str(msg.get("Subject", "")))]
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        content = body.get_content()
        if body.get_content_subtype() == "html":
            content = _html_text(content)[1]
        sections.append(Section("body", content))
    attachments = 0
    for part in msg.iter_attachments():
        attachments += 1
        payload = part.get_payload(decode=True) or b""
        ctype = part.get_content_type()
        try:
            if ctype == "application/pdf":
                text = _pdf_text(payload)
            elif ctype == "text/html":
                text = _html_text(decode_text(payload, part.get_content_charset()))[1]
            elif part.get_content_maintype() == "text":
                text = decode_text(payload, part.get_content_charset())
            else:
                continue
        except Quarantined as exc:
            log.info("attachment of type %s not extracted: %s", ctype, exc.reason)
            continue
        sections.append(Section("attachment", text))
    sender = parseaddr(str(msg.get("From", "")))[1]
    domain = sender.rsplit("@", 1)[1].lower() if "@" in sender else None
    return Extracted("eml", sections, sender_domain=domain, attachment_count=attachments)


def parse_document(data: bytes, file_name: str) -> Extracted:
    """Text sections of one document; raises `Quarantined` when it cannot be read."""
    fmt = sniff_format(data, file_name)
    if fmt == "pdf":
        return Extracted("pdf", [Section("body", _pdf_text(data))])
    if fmt not in ("eml", "html", "txt"):
        raise Quarantined(reasons.UNSUPPORTED_FORMAT, f"no parser for .{fmt}")
    if _is_binary(data):
        raise Quarantined(reasons.BINARY_CONTENT, f"binary content in a .{fmt} file")
    if fmt == "eml":
        return _eml(data)
    if fmt == "html":
        title, text = _html_text(decode_text(data))
        return Extracted("html", [Section("subject", title), Section("body", text)])
    return Extracted("txt", [Section("body", decode_text(data))])


def extract_record(file_name: str, data: bytes, max_bytes: int) -> dict:
    """One output row for one received file: extracted fields, or a quarantine reason."""
    row: dict = {
        "doc_id": hashlib.sha256(data).hexdigest(),
        "source_file": file_name,
        "size_bytes": len(data),
        "format": None,
        "sender_domain": None,
        "attachment_count": 0,
        "text_chars": 0,
        "masked_text": None,
        "entities": [],
        "extractor_version": EXTRACTOR_VERSION,
        "quarantine_reason": None,
        "quarantine_detail": None,
    }
    try:
        if not data:
            raise Quarantined(reasons.EMPTY, "zero bytes")
        if len(data) > max_bytes:
            raise Quarantined(reasons.TOO_LARGE, f"{len(data)} bytes > cap of {max_bytes}")
        doc = parse_document(data, file_name)
        sections = [s for s in doc.sections if s.text.strip()]
        if not any(s.source != "subject" for s in sections):
            raise Quarantined(reasons.NO_TEXT, "no body text found")
    except Quarantined as exc:
        return row | {"quarantine_reason": exc.reason, "quarantine_detail": exc.detail}
    except Exception as exc:  # noqa: BLE001 - any parser crash is a quarantine record, not a failed run
        log.warning("parser error on %s: %s", file_name, type(exc).__name__)
        return row | {
            "quarantine_reason": reasons.PARSER_ERROR,
            "quarantine_detail": f"{type(exc).__name__}: {exc}"[:200],
        }
    entities, masked = [], []
    for section in sections:
        found = extract_entities(section.text, section.source)
        entities.extend(found)
        masked.append(mask_text(section.text, found))
    return row | {
        "format": doc.format,
        "sender_domain": doc.sender_domain,
        "attachment_count": doc.attachment_count,
        "text_chars": sum(len(s.text) for s in sections),
        "masked_text": "\n\n".join(masked),
        "entities": [e.__dict__ for e in entities],
    }
