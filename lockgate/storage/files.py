"""Small-file I/O outside Spark (manifests, validation results, partitions read by tasks), via fsspec."""

from __future__ import annotations

import json
import uuid
from typing import Any

import fsspec


def _fs_and_path(uri: str) -> tuple[fsspec.AbstractFileSystem, str]:
    fs, path = fsspec.core.url_to_fs(uri)
    return fs, path


def uri_exists(uri: str) -> bool:
    fs, path = _fs_and_path(uri)
    return fs.exists(path)


def write_bytes_atomic(uri: str, data: bytes) -> None:
    """Write beside the target, then rename over it, so readers never see half a file."""
    fs, path = _fs_and_path(uri)
    parent = path.rsplit("/", 1)[0]
    fs.makedirs(parent, exist_ok=True)
    staging = f"{parent}/.{uuid.uuid4().hex}.tmp"
    with fs.open(staging, "wb") as fh:
        fh.write(data)
    fs.mv(staging, path)


def write_json_atomic(uri: str, payload: Any) -> None:
    data = json.dumps(payload, indent=2, sort_keys=True, default=str).encode() + b"\n"
    write_bytes_atomic(uri, data)


def read_json(uri: str) -> Any:
    fs, path = _fs_and_path(uri)
    if not fs.exists(path):
        raise FileNotFoundError(f"{uri} does not exist; has the stage that writes it run?")
    with fs.open(path, "rb") as fh:
        return json.load(fh)


def read_parquet(uri: str, columns: list[str] | None = None):
    """A parquet dataset or partition as a pandas DataFrame (task-sized data only)."""
    import pyarrow.parquet as pq

    fs, path = _fs_and_path(uri)
    if not fs.exists(path):
        raise FileNotFoundError(f"{uri} does not exist; has the stage that writes it run?")
    table = pq.read_table(path, filesystem=fs, columns=columns)
    return table.to_pandas()
