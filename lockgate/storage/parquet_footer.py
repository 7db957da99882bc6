"""Parquet footers that do not depend on the JVM that wrote them.

parquet-mr (1.17, the one Spark 4.3 bundles) writes each column chunk's list of encodings from
a `HashSet` of enum values, whose order follows identity hash codes: the same rows written by
two JVMs give files that differ only in the order of those lists (apache/parquet-java issue
3215, open). `canonicalise` sorts every such list in place. The footer keeps its length, so
nothing else in the file moves; the Hadoop checksum file beside it, when there is one, gets
the checksums of the changed chunks.

Written here rather than taken from a library: the Thrift libraries on PyPI decode and
re-encode a whole footer, which is not guaranteed to give back the writer's bytes; this reads
Thrift's compact protocol only to find the lists, and rewrites their bytes and nothing else.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path

MAGIC = b"PAR1"
# Compact-protocol type ids.
_BOOL_TRUE, _BOOL_FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE, _BINARY = 1, 2, 3, 4, 5, 6, 7, 8
_LIST, _SET, _MAP, _STRUCT = 9, 10, 11, 12
# FileMetaData.row_groups (4) -> RowGroup.columns (1) -> ColumnChunk.meta_data (3)
# -> ColumnMetaData.encodings (2): field ids along the way to each list.
ENCODINGS_PATH = (4, 1, 3, 2)
CRC_HEADER = b"crc\x00"
MAX_DEPTH = 64  # parquet's own footers nest about 6 deep


def canonicalise(path: str | Path) -> bool:
    """Sort the encodings of every column chunk in the footer of the parquet file at `path`;
    True if a byte changed. A file that is not plain parquet (encrypted footer) is refused."""
    path = Path(path)
    with path.open("r+b") as handle:
        size = handle.seek(0, os.SEEK_END)
        if size < 12:
            raise ValueError(f"{path}: {size} bytes is no parquet file")
        handle.seek(size - 8)
        tail = handle.read(8)
        if tail[4:] != MAGIC:
            raise ValueError(f"{path}: no plain parquet footer (ends {tail[4:]!r})")
        length = int.from_bytes(tail[:4], "little")
        start = size - 8 - length
        if start < 4:
            raise ValueError(f"{path}: footer length {length} does not fit in {size} bytes")
        handle.seek(start)
        footer = bytearray(handle.read(length))
        lists: list[list[tuple[int, int]]] = []
        _Reader(footer, lists).struct(())
        changed = False
        for items in lists:
            chunks = [bytes(footer[begin:end]) for begin, end in items]
            ordered = sorted(chunks, key=_zigzag_value)
            if ordered != chunks:
                footer[items[0][0] : items[-1][1]] = b"".join(ordered)
                changed = True
        if changed:
            handle.seek(start)
            handle.write(footer)
    if changed:
        _update_checksums(path, start, start + length)
    return changed


def _zigzag_value(encoded: bytes) -> int:
    value = shift = 0
    for byte in encoded:
        value |= (byte & 0x7F) << shift
        shift += 7
    return (value >> 1) ^ -(value & 1)


class _Reader:
    """Walks a compact-protocol struct, noting where each list of i32 at ENCODINGS_PATH is."""

    def __init__(self, data: bytearray, found: list[list[tuple[int, int]]]) -> None:
        self.data, self.pos, self.found, self.depth = data, 0, found, 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise ValueError("parquet footer ends inside a value")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def varint(self) -> int:
        value = shift = 0
        while True:
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7

    def _fits(self, items: int) -> None:
        """Every item takes a byte at least: a count beyond the bytes left is corrupt."""
        if items > len(self.data) - self.pos:
            raise ValueError(f"parquet footer declares {items} items in {len(self.data)} bytes")

    def struct(self, path: tuple[int, ...]) -> None:
        field = 0
        while True:
            header = self.byte()
            kind = header & 0x0F
            if kind == 0:
                return
            delta = header >> 4
            field = field + delta if delta else _zigzag_value(self._varint_bytes())
            self.value(kind, (*path, field))

    def _varint_bytes(self) -> bytes:
        begin = self.pos
        self.varint()
        return bytes(self.data[begin : self.pos])

    def value(self, kind: int, path: tuple[int, ...]) -> None:
        if kind in (_BOOL_TRUE, _BOOL_FALSE):
            return  # a struct field's bool is in its header
        if kind == _BYTE:
            self.pos += 1
        elif kind in (_I16, _I32, _I64):
            self.varint()
        elif kind == _DOUBLE:
            self.pos += 8
        elif kind == _BINARY:
            length = self.varint()  # read before the position it moves is added to
            self.pos += length
        elif kind in (_LIST, _SET, _MAP, _STRUCT):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ValueError(f"parquet footer nests deeper than {MAX_DEPTH}")
            {_LIST: self.sequence, _SET: self.sequence, _MAP: self.mapping, _STRUCT: self.struct}[
                kind
            ](path)
            self.depth -= 1
        else:
            raise ValueError(f"unknown compact-protocol type {kind} in a parquet footer")
        if self.pos > len(self.data):
            raise ValueError("parquet footer ends inside a value")

    def sequence(self, path: tuple[int, ...]) -> None:
        header = self.byte()
        size, kind = header >> 4, header & 0x0F
        if size == 15:
            size = self.varint()
        self._fits(size)
        items = []
        for _ in range(size):
            begin = self.pos
            if kind in (_BOOL_TRUE, _BOOL_FALSE):
                self.pos += 1  # in a list a bool takes a byte of its own
            else:
                self.value(kind, path)
            items.append((begin, self.pos))
        if path == ENCODINGS_PATH and kind == _I32 and items:
            self.found.append(items)

    def mapping(self, path: tuple[int, ...]) -> None:
        size = self.varint()
        self._fits(size)
        if size:
            kinds = self.byte()
            for _ in range(size):
                self.value(kinds >> 4, path)
                self.value(kinds & 0x0F, path)


def _update_checksums(path: Path, begin: int, end: int) -> None:
    """Refresh the Hadoop local file system's checksums (`.<name>.crc`: a header, the bytes
    per checksum, then a big-endian CRC-32 per chunk) of the chunks in [begin, end)."""
    crc_path = path.with_name(f".{path.name}.crc")
    if not crc_path.exists():
        return
    with crc_path.open("r+b") as crc, path.open("rb") as data:
        header = crc.read(8)
        if header[:4] != CRC_HEADER:
            raise ValueError(f"{crc_path}: not a Hadoop checksum file")
        per_chunk = int.from_bytes(header[4:8], "big")
        for chunk in range(begin // per_chunk, (end - 1) // per_chunk + 1):
            data.seek(chunk * per_chunk)
            crc.seek(8 + 4 * chunk)
            crc.write(zlib.crc32(data.read(per_chunk)).to_bytes(4, "big"))
