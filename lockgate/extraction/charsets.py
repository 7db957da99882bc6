"""Bytes to text by a declared charset that is trusted only as far as the bytes bear it out.

Valid text in the declared charset wins. A body that is valid but for a few bytes is decoded
with replacement characters and a defect noted; the charset is guessed only when the
declaration is clearly wrong (most of its multi-byte sequences broken, or a single-byte label
on valid UTF-8) or missing.
"""

from __future__ import annotations

import codecs
import importlib
from functools import cache

# Defect codes a decoding adds to its document's row (`defects`).
UNDECODABLE_BYTES = "undecodable_bytes"  # decoded in the declared charset, a few bytes replaced
CHARSET_MISLABELLED = "charset_mislabelled"  # the declaration was clearly wrong; text guessed
UNKNOWN_CHARSET = "unknown_charset"  # a label no codec knows; text guessed

# Labels that mail clients write for a narrower charset than the text uses, read as the
# superset the WHATWG Encoding Standard maps them to (every valid text stays the same).
_SUPERSET = {
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
}
# Charsets written in 7-bit bytes: ASCII bytes are not yet ASCII text.
_SEVEN_BIT = ("iso2022", "utf-7", "hz")
# Of every ten multi-byte sequences at most one may be broken for the declaration to stand.
_GOOD_PER_BAD = 10
_GUESS_SAMPLE_BYTES = 65536


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip('"').lower()).name
    except LookupError:
        return None
    return _SUPERSET.get(name, name)


@cache
def _single_byte(codec: str) -> bool:
    """Whether every byte is one character in `codec` (Python's charmap codecs, and Latin-1)."""
    if codec in ("latin-1", "iso8859-1", "ascii"):
        return True
    try:
        module = importlib.import_module(f"encodings.{codec.replace('-', '_')}")
    except ImportError:
        return False
    return hasattr(module, "decoding_table")


def _guess(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data[:_GUESS_SAMPLE_BYTES]).best()
    if best is not None:
        try:
            return data.decode(best.encoding)
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("cp1252", errors="replace")


def decode_text(data: bytes, declared: str | None = None, defects: list[str] | None = None) -> str:
    """`data` as text, trusting `declared` as far as the bytes bear it out.

    Defect codes (`UNDECODABLE_BYTES`, `CHARSET_MISLABELLED`, `UNKNOWN_CHARSET`) are appended to
    `defects` when given. Never raises: the last resort is Windows-1252 with replacement.
    """
    noted = defects if defects is not None else []
    codec = _codec(declared)
    if data.isascii() and not (codec or "").startswith(_SEVEN_BIT):
        return data.decode("ascii")
    if declared and codec is None:
        noted.append(UNKNOWN_CHARSET)
    if codec is None or _single_byte(codec):
        # Any bytes are "valid" in a single-byte charset; valid UTF-8 (which Latin text almost
        # never is by chance) is the surer sign.
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            if codec is not None:
                return data.decode(codec, errors="replace")
            return _guess(data)
        if codec is not None:
            noted.append(CHARSET_MISLABELLED)
        return text
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        pass
    text = data.decode(codec, errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    if good >= _GOOD_PER_BAD * bad:
        noted.append(UNDECODABLE_BYTES)
        return text
    noted.append(CHARSET_MISLABELLED)
    return _guess(data)
