"""Read the text out of one file: .eml, .pdf, .html, .txt (pure Python, no Spark).

A file that cannot be read raises `Quarantined` with a stable reason code. An email's
attachments come back as raw parts; the caller extracts them as child documents.
"""

from __future__ import annotations

import codecs
import io
import shutil
import subprocess
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.policy import EmailPolicy
from email.utils import parseaddr
from functools import cache, lru_cache

from lockgate.extraction import reasons

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
_SINGLE_BYTE = ("ascii", "latin", "iso8859", "cp125", "mac", "cp437", "cp850", "koi8")
TEXT_FORMATS = ("eml", "html", "txt")


class _RememberingPolicy(EmailPolicy):
    """`policy.default`, remembering the headers it has parsed. The email package parses a
    header anew on every read (finding a message's body and attachments reads each part's
    Content-Type a dozen times), and a day's mail repeats the same values; this halves the
    cost of an e-mail. Parsing is a pure function of (name, value), so the messages are the
    same; long values (hostile or not) are parsed each time, never kept."""

    def header_fetch_parse(self, name, value):
        if hasattr(value, "name") or len(value) > _REMEMBERED_HEADER_CHARS:
            return super().header_fetch_parse(name, value)
        return _parsed_header(self, name, value)


_REMEMBERED_HEADER_CHARS = 512


@lru_cache(maxsize=4096)
def _parsed_header(parser_policy: EmailPolicy, name: str, value: str):
    return EmailPolicy.header_fetch_parse(parser_policy, name, value)


_EML_POLICY = _RememberingPolicy()


class Quarantined(Exception):
    """A document that cannot be extracted; carries a stable reason code from `reasons`."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Limits:
    """What one received file may cost (from the environment's extraction policy)."""

    max_bytes: int = 20_000_000
    max_text_chars: int = 2_000_000
    max_depth: int = 8
    max_attachments: int = 50
    time_budget_seconds: float = 10.0
    ocr: bool = True


@dataclass
class Section:
    source: str
    text: str


@dataclass
class Part:
    """An email attachment, still as bytes."""

    name: str
    content_type: str
    data: bytes


@dataclass
class Parsed:
    format: str
    sections: list[Section]
    sender_domain: str | None = None
    attachments: list[Part] = field(default_factory=list)


def sniff_format(data: bytes, file_name: str) -> str:
    """The format by content first, the file extension only to break ties."""
    head = data[:1024].lstrip()
    ext = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    lowered = head.lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or (
        ext in ("html", "htm") and b"<" in head
    ):
        return "html"
    if ext == "eml" or _looks_like_rfc822(head):
        return "eml"
    if ext in ("txt", "text", ""):
        return "txt"
    return ext


def _looks_like_rfc822(head: bytes) -> bool:
    first = head.split(b"\n", 1)[0].lower()
    return first.startswith(
        (
            b"from:",
            b"to:",
            b"subject:",
            b"received:",
            b"mime-version:",
            b"return-path:",
            b"date:",
            b"message-id:",
        )
    )


def is_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control / max(1, len(sample)) > 0.05


def _single_byte(charset: str) -> bool:
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        return False
    return name.startswith(_SINGLE_BYTE)


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Bytes to text, whatever the declared charset says (it is often wrong).

    A multi-byte declared charset is tried first; otherwise valid UTF-8 wins (a Latin-1 text
    is almost never valid UTF-8), then the declared charset, then charset-normalizer's guess,
    then Windows-1252 with replacement (never fails).
    """
    order = []
    if declared and not _single_byte(declared):
        order.append(declared)
    order.append("utf-8")
    if declared:
        order.append(declared)
    for charset in order:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data[:65536]).best()
    if best is not None:
        try:
            return data.decode(best.encoding)
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("cp1252", errors="replace")


def _pdf_text(data: bytes, limits: Limits) -> str:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        pages, chars = [], 0
        for page in reader.pages:
            text = page.extract_text() or ""
            if not text.strip():
                # extract_text swallows a decompression bomb and returns nothing; decoding the
                # content stream again surfaces pypdf's LimitReachedError.
                page.get_contents()
            chars += len(text)
            if chars > limits.max_text_chars:
                raise Quarantined(
                    reasons.RESOURCE_LIMIT, f"text over {limits.max_text_chars} characters"
                )
            pages.append(text)
        if pages and not "".join(pages).strip() and limits.ocr:
            pages = _ocr_pages(reader, pages)
    except LimitReachedError as exc:
        raise Quarantined(reasons.RESOURCE_LIMIT, f"decompression limit: {exc}"[:200]) from exc
    except (
        PdfReadError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        OSError,
        IndexError,
    ) as exc:
        raise Quarantined(reasons.CORRUPT_PDF, f"{type(exc).__name__}: {exc}"[:200]) from exc
    if not pages:
        raise Quarantined(reasons.CORRUPT_PDF, "the PDF has no pages")
    text = "\n".join(pages).strip()
    if not text:
        detail = f"{len(pages)} page(s) without a text layer"
        if not shutil.which("tesseract"):
            detail += " and no tesseract installed"
        raise Quarantined(reasons.NEEDS_OCR, detail)
    return text


_OCR_LANGUAGES = ("eng", "fra", "deu", "nld")


@cache
def _ocr_languages(tesseract: str) -> str:
    listed = subprocess.run(
        [tesseract, "--list-langs"], capture_output=True, text=True, check=False
    )
    have = set(listed.stdout.split())
    return "+".join(lang for lang in _OCR_LANGUAGES if lang in have) or "eng"


def _ocr_pages(reader, pages: list[str]) -> list[str]:
    """Text of image-only pages through Debian's tesseract (infra/ocr/tesseract), when installed."""
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        return pages
    out = []
    for page in reader.pages:
        texts = []
        for image in page.images:
            result = subprocess.run(
                [tesseract, "stdin", "stdout", "-l", _ocr_languages(tesseract), "--psm", "3"],
                input=image.data, capture_output=True, timeout=60, check=False,
            )  # fmt: skip
            if result.returncode == 0:
                texts.append(result.stdout.decode("utf-8", errors="replace"))
        out.append("\n".join(texts))
    return out


def html_text(markup: str) -> tuple[str, str]:
    """(title, visible text) of an HTML page; scripts, styles and the head are not text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    title = soup.title.get_text(strip=True) if soup.title else ""
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    lines = [line.strip() for line in soup.get_text("\n").splitlines()]
    return title, "\n".join(line for line in lines if line)


def _depth(msg: Message) -> int:
    """How deeply parts nest (iteratively: a hostile message can nest thousands deep)."""
    deepest, stack = 0, [(msg, 0)]
    while stack:
        part, level = stack.pop()
        deepest = max(deepest, level)
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend((p, level + 1) for p in payload if isinstance(p, Message))
    return deepest


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True) or b""
    text = decode_text(payload, part.get_content_charset())
    if part.get_content_subtype() == "html":
        text = html_text(text)[1]
    return text


def _eml(data: bytes, limits: Limits) -> Parsed:
    try:
        msg: EmailMessage = BytesParser(policy=_EML_POLICY).parsebytes(data)  # type: ignore[assignment]
    except RecursionError as exc:
        raise Quarantined(reasons.TOO_DEEP, "MIME parts nest too deeply to parse") from exc
    depth = _depth(msg)
    if depth > limits.max_depth:
        raise Quarantined(
            reasons.TOO_DEEP, f"MIME parts nest {depth} deep (limit {limits.max_depth})"
        )
    defects = [d for part in msg.walk() for d in part.defects]
    fatal = sorted({type(d).__name__ for d in defects} & set(_FATAL_MIME_DEFECTS))
    if fatal:
        raise Quarantined(reasons.MALFORMED_MIME, ", ".join(fatal))
    if not any(msg.get(h) for h in ("From", "Subject", "Date", "To")):
        raise Quarantined(reasons.MALFORMED_MIME, "no RFC 822 headers")
    sections = [Section("subject", str(msg.get("Subject", "")))]
    body = msg.get_body(preferencelist=("plain", "html"))
    if body is not None:
        sections.append(Section("body", _part_text(body)))
    parts = []
    for index, part in enumerate(msg.iter_attachments()):
        if index >= limits.max_attachments:
            raise Quarantined(
                reasons.RESOURCE_LIMIT, f"more than {limits.max_attachments} attachments"
            )
        ctype = part.get_content_type()
        name = part.get_filename() or f"part-{index + 1}"
        if ctype == "message/rfc822":
            inner = part.get_payload()
            data_ = (
                inner[0].as_bytes(policy=policy.SMTP) if isinstance(inner, list) and inner else b""
            )
        else:
            data_ = part.get_payload(decode=True) or b""
        parts.append(Part(name, ctype, data_))
    sender = parseaddr(str(msg.get("From", "")))[1]
    domain = sender.rsplit("@", 1)[1].lower() if "@" in sender else None
    return Parsed("eml", sections, sender_domain=domain, attachments=parts)


def parse_document(data: bytes, file_name: str, limits: Limits) -> Parsed:
    """Text sections (and email attachments) of one document; raises `Quarantined` when unreadable."""
    fmt = sniff_format(data, file_name)
    if fmt == "pdf":
        return Parsed("pdf", [Section("body", _pdf_text(data, limits))])
    if fmt not in TEXT_FORMATS:
        raise Quarantined(reasons.UNSUPPORTED_FORMAT, f"no parser for .{fmt or 'unknown'} content")
    if is_binary(data):
        raise Quarantined(reasons.BINARY_CONTENT, f"binary content in a .{fmt} file")
    if fmt == "eml":
        return _eml(data, limits)
    if fmt == "html":
        title, text = html_text(decode_text(data))
        return Parsed("html", [Section("subject", title), Section("body", text)])
    return Parsed("txt", [Section("body", decode_text(data))])


def format_of_part(part: Part) -> str:
    """The file name a child document is sniffed with, from its MIME type."""
    by_type = {
        "application/pdf": "pdf", "text/html": "html", "text/plain": "txt", "message/rfc822": "eml",
    }  # fmt: skip
    ext = by_type.get(part.content_type)
    if ext is None and "." in part.name:
        ext = part.name.rsplit(".", 1)[-1].lower()
    return ext or "bin"
