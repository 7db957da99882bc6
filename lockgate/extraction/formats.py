"""Read the text out of one file: .eml, .mbox, .pdf, .html, .txt (pure Python, no Spark).

A file that cannot be read raises `Quarantined` with a stable reason code. An email's
attachments come back as raw parts; the caller extracts them as child documents.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from lockgate.extraction import reasons
from lockgate.extraction.charsets import decode_text
from lockgate.extraction.markup import html_text
from lockgate.extraction.mime import looks_like_mbox, looks_like_message, read_mailbox, read_message
from lockgate.extraction.parsed import Limits, Parsed, Part, Quarantined, Section
from lockgate.extraction.stopwatch import stage

__all__ = [
    "Limits",
    "Parsed",
    "Part",
    "Quarantined",
    "Section",
    "decode_text",
    "format_of_part",
    "html_text",
    "is_binary",
    "parse_document",
    "sniff_format",
]

TEXT_FORMATS = ("eml", "mbox", "html", "txt")
ARCHIVE_FORMATS = ("zip",)
log = logging.getLogger(__name__)


def sniff_format(data: bytes, file_name: str) -> str:
    """The format by content first, the file extension only to break ties."""
    head = data[:1024].lstrip()
    ext = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if looks_like_mbox(head) or ext == "mbox":
        return "mbox"
    lowered = head.lower()
    if lowered.startswith((b"<!doctype html", b"<html")) or (
        ext in ("html", "htm") and b"<" in head
    ):
        return "html"
    if ext == "eml" or looks_like_message(head):
        return "eml"
    if ext in ("txt", "text", ""):
        return "txt"
    return ext


def is_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for b in sample if b < 9 or 13 < b < 32)
    return control / max(1, len(sample)) > 0.05


def _open_encrypted(reader, defects: list[str]) -> None:
    """Open an encrypted PDF with the empty user password (as a viewer does without asking);
    one that needs a real password is quarantined as `encrypted`."""
    from pypdf import PasswordType
    from pypdf.errors import DependencyError

    if not reader.is_encrypted:
        return
    try:
        opened = reader.decrypt("")
    except (DependencyError, NotImplementedError) as exc:
        raise Quarantined(reasons.ENCRYPTED, f"cannot decrypt: {exc}"[:200]) from exc
    if opened == PasswordType.NOT_DECRYPTED:
        raise Quarantined(reasons.ENCRYPTED, "the PDF opens only with a password")
    defects.append(ENCRYPTED_OPEN)


# Defect code of an encrypted PDF that opened with the empty user password.
ENCRYPTED_OPEN = "encrypted_empty_password"


# Defect code of a damaged PDF that pypdf read by repairing it (a missing EOF marker, a wrong
# cross-reference offset...): pypdf logs each repair as a warning.
PDF_REPAIRED = "pdf_repaired"


class _Repairs(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


@contextmanager
def _recorded_repairs(defects: list[str]) -> Iterator[None]:
    """pypdf's repair warnings become the row's `pdf_repaired` defect instead of log lines."""
    logger = logging.getLogger("pypdf")
    repairs, propagate = _Repairs(), logger.propagate
    logger.addHandler(repairs)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(repairs)
        logger.propagate = propagate
        if repairs.count:
            defects.append(PDF_REPAIRED)


def _pdf_text(data: bytes, limits: Limits, defects: list[str]) -> str:
    with _recorded_repairs(defects):
        return _read_pdf(data, limits, defects)


def _read_pdf(data: bytes, limits: Limits, defects: list[str]) -> str:
    from pypdf import PdfReader
    from pypdf.errors import LimitReachedError, PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        _open_encrypted(reader, defects)
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


def _decodable(images, unsupported: type[Exception]):
    """The page's images that pypdf can decode; one whose codec needs a program that is not
    installed (jbig2dec) is skipped, so the page may end as `needs_ocr`, not a parser error."""
    for index in range(len(images)):
        try:
            yield images[index]
        except unsupported as exc:
            log.info("image %d not decoded for OCR: %s", index, exc)


def _ocr_pages(reader, pages: list[str]) -> list[str]:
    """Text of image-only pages through Debian's tesseract (infra/ocr/tesseract), when installed."""
    tesseract = shutil.which("tesseract")
    if tesseract is None:
        return pages
    from pypdf.errors import DependencyError

    out = []
    for page in reader.pages:
        texts = []
        for image in _decodable(page.images, DependencyError):
            result = subprocess.run(
                [tesseract, "stdin", "stdout", "-l", _ocr_languages(tesseract), "--psm", "3"],
                input=image.data,
                capture_output=True,
                timeout=60,
                check=False,
            )
            if result.returncode == 0:
                texts.append(result.stdout.decode("utf-8", errors="replace"))
        out.append("\n".join(texts))
    return out


def parse_document(data: bytes, file_name: str, limits: Limits) -> Parsed:
    """Text sections (and email attachments) of one document; raises `Quarantined` when unreadable."""
    fmt = sniff_format(data, file_name)
    with stage(_PARSE_STAGES.get(fmt, "parse.other")):  # a stage per format, not per extension
        return _parse(data, fmt, limits)


_PARSE_STAGES = {fmt: f"parse.{fmt}" for fmt in ("pdf", *TEXT_FORMATS, *ARCHIVE_FORMATS)}


def _parse(data: bytes, fmt: str, limits: Limits) -> Parsed:
    defects: list[str] = []
    if fmt == "pdf":
        text = _pdf_text(data, limits, defects)
        return Parsed("pdf", [Section("body", text)], defects=defects)
    binary = is_binary(data)
    if fmt not in TEXT_FORMATS:
        if fmt in ARCHIVE_FORMATS or binary:
            raise Quarantined(reasons.UNSUPPORTED_FORMAT, f"no parser for .{fmt or '?'} content")
        fmt = "txt"  # text under a name we do not know (.msg, .raw, .csv ...) is read as text
    if binary:
        raise Quarantined(reasons.BINARY_CONTENT, f"binary content in a .{fmt} file")
    if fmt == "eml":
        return read_message(data, limits)
    if fmt == "mbox":
        return read_mailbox(data, limits)
    if fmt == "html":
        title, text = html_text(decode_text(data, None, defects))
        return Parsed("html", [Section("subject", title), Section("body", text)], defects=defects)
    return Parsed("txt", [Section("body", decode_text(data, None, defects))], defects=defects)


def format_of_part(part: Part) -> str:
    """The file name a child document is sniffed with, from its MIME type."""
    by_type = {
        "application/pdf": "pdf",
        "text/html": "html",
        "text/plain": "txt",
        "message/rfc822": "eml",
    }
    ext = by_type.get(part.content_type)
    if ext is None and "." in part.name:
        ext = part.name.rsplit(".", 1)[-1].lower()
    return ext or "bin"
