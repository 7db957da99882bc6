"""Files built to hurt a parser (bombs, deep nesting, broken encodings...), each with the
quarantine reason lockgate must give it."""

from __future__ import annotations

import io
import random
import zipfile
import zlib
from datetime import date

from faker import Faker

from lockgate.extraction import reasons
from lockgate.tooling.corpus.compose import Letter, TextPart, compose
from lockgate.tooling.corpus.entities import FAKER_LOCALES, EntityFactory
from lockgate.tooling.corpus.render import eml_message

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


def hostile_bytes(kind: str, rng: random.Random, letter: Letter, valid: bytes) -> bytes:
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


def hostile_file(kind: str, seed: int = 0) -> tuple[str, bytes, str | None]:
    """(file name, bytes, quarantine reason the extractor must give) for one hostile `kind`."""
    fmt, reason, _ = HOSTILE_KINDS[kind]
    rng = random.Random(seed)
    faker = Faker(FAKER_LOCALES["en"])
    faker.seed_instance(seed)  # else Faker's shared generator: the bytes would vary per call
    factory = EntityFactory(rng, faker, "en")
    letter = compose(rng, factory, "payments", "en", latin1=True)
    if letter.attachment is None:
        letter.attachment = TextPart(text="Details\n")
    valid = bytes(eml_message(letter, rng, date(2026, 1, 1), seed))
    return f"{kind}.{fmt}", hostile_bytes(kind, rng, letter, valid), reason
