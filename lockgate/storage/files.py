"""Small-file I/O outside Spark (manifests, validation results, partitions read by tasks), via fsspec.

`hdfs://` URIs go through WebHDFS (the NameNode's REST API, `webhdfs_url` in the profile):
no libhdfs, no Hadoop client on the Airflow host.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import uuid
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import fsspec
from fsspec.implementations.local import LocalFileSystem

from lockgate.config import settings


@cache
def _webhdfs(webhdfs_url: str) -> fsspec.AbstractFileSystem:
    endpoint = urlparse(webhdfs_url)
    return fsspec.filesystem(
        "webhdfs",
        host=endpoint.hostname,
        port=endpoint.port,
        use_https=endpoint.scheme == "https",
        user=os.environ.get("HADOOP_USER_NAME") or getpass.getuser(),
    )


def filesystem(uri: str) -> tuple[fsspec.AbstractFileSystem, str]:
    """The fsspec file system and in-file-system path for a lake URI."""
    if uri.startswith("hdfs://"):
        webhdfs_url = settings().webhdfs_url
        if not webhdfs_url:
            raise ValueError(f"{uri} is on HDFS but the profile sets no webhdfs_url")
        return _webhdfs(webhdfs_url), urlparse(uri).path
    fs, path = fsspec.core.url_to_fs(uri)
    return fs, path


def uri_exists(uri: str) -> bool:
    fs, path = filesystem(uri)
    return fs.exists(path)


def write_bytes_atomic(uri: str, data: bytes) -> None:
    """Write beside the target, then rename over it, so readers never see half a file."""
    fs, path = filesystem(uri)
    parent = path.rsplit("/", 1)[0]
    fs.makedirs(parent, exist_ok=True)
    staging = f"{parent}/.{uuid.uuid4().hex}.tmp"
    with fs.open(staging, "wb") as fh:
        fh.write(data)
    replace(fs, staging, path)


def replace(fs: fsspec.AbstractFileSystem, staging: str, path: str) -> None:
    """Rename a fully written `staging` file onto `path`.

    HDFS renames do not replace: readers may briefly see no file, never half of one.
    """
    if not isinstance(fs, LocalFileSystem) and fs.exists(path):
        fs.rm(path)
    fs.mv(staging, path)


def write_json_atomic(uri: str, payload: Any) -> None:
    data = json.dumps(payload, indent=2, sort_keys=True, default=str).encode() + b"\n"
    write_bytes_atomic(uri, data)


def read_json(uri: str) -> Any:
    fs, path = filesystem(uri)
    if not fs.exists(path):
        raise FileNotFoundError(f"{uri} does not exist; has the stage that writes it run?")
    with fs.open(path, "rb") as fh:
        return json.load(fh)


def upload_tree(local_dir: str, uri: str, workers: int = 8) -> None:
    """Copy a local directory tree to a lake URI, replacing what was there.

    Files go up in parallel: over WebHDFS each file costs a few round trips, not bandwidth.
    """
    from concurrent.futures import ThreadPoolExecutor
    from pathlib import Path

    fs, path = filesystem(uri)
    if fs.exists(path):
        fs.rm(path, recursive=True)
    root = Path(local_dir)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    for folder in sorted({p.parent for p in files} | {root}):
        fs.makedirs(f"{path}/{folder.relative_to(root).as_posix()}".rstrip("/."), exist_ok=True)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(
            pool.map(
                lambda p: fs.put_file(str(p), f"{path}/{p.relative_to(root).as_posix()}"), files
            )
        )


def read_parquet(uri: str, columns: list[str] | None = None):
    """A parquet dataset or partition as a pandas DataFrame (task-sized data only)."""
    import pyarrow.parquet as pq

    fs, path = filesystem(uri)
    if not fs.exists(path):
        raise FileNotFoundError(f"{uri} does not exist; has the stage that writes it run?")
    table = pq.read_table(path, filesystem=fs, columns=columns)
    return table.to_pandas()


def read_rows(uri: str, columns: list[str], filters=None) -> list[dict]:
    """The rows of the Parquet files below `uri` (a dataset, a partition or a file) that pass
    `filters` (`(column, "=" or "in", value)`, all must hold), as dicts of `columns`; None
    for a column the files do not have. Folder names are not read as columns: lockgate's
    files carry their partition column themselves (task-sized data only)."""
    import pyarrow.dataset as ds

    fs, path = filesystem(uri)
    if not fs.exists(path):
        raise FileNotFoundError(f"{uri} does not exist; has the stage that writes it run?")
    dataset = ds.dataset(path, filesystem=fs, format="parquet", partitioning=None)
    present = [c for c in columns if c in dataset.schema.names]
    expression = None
    for column, op, value in filters or ():
        if op not in ("=", "in"):
            raise ValueError(f"a filter is =, or in, not {op!r}")
        test = ds.field(column).isin(value) if op == "in" else ds.field(column) == value
        expression = test if expression is None else expression & test
    rows = dataset.to_table(columns=present, filter=expression).to_pylist()
    return [{c: row.get(c) for c in columns} for row in rows]


def sha256_file(path: Path) -> str:
    """sha256 of a local file, read a megabyte at a time."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()
