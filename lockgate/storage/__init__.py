"""Where every dataset lives, and how partitions are written atomically and read back.

Paths are URIs (`file://` on the embedded default, `hdfs://` on the cluster); nothing
else in lockgate builds a path by hand.
"""

from lockgate.storage.files import (
    read_json,
    read_parquet,
    read_rows,
    upload_tree,
    uri_exists,
    write_bytes_atomic,
    write_json_atomic,
)
from lockgate.storage.layout import Layout, run_dates

__all__ = [
    "Layout",
    "read_json",
    "read_parquet",
    "read_rows",
    "run_dates",
    "upload_tree",
    "uri_exists",
    "write_bytes_atomic",
    "write_json_atomic",
]
