"""A model's training snapshot: its columns of the labelled document table, content-addressed."""

from __future__ import annotations

import hashlib

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lockgate.models import ModelSpec


class MissingColumns(ValueError):
    """A model asks for columns the labelled document table does not have."""


def model_snapshot(labelled: DataFrame, spec: ModelSpec, max_rows: int | None = None) -> DataFrame:
    """The rows with a label for `spec`, its inputs, and the label renamed `label`; with
    `max_rows`, the newest `max_rows` of them (latest run date first, then by doc_id, a content
    hash: the same rows whatever order Spark reads them in)."""
    wanted = [*spec.inputs, spec.label]
    missing = sorted(set(wanted) - set(labelled.columns))
    if missing:
        raise MissingColumns(
            f"model {spec.name} reads {missing}, which the labelled document table does not "
            f"have; it has {sorted(labelled.columns)}"
        )
    rows = labelled.where(F.col(spec.label).isNotNull()).select(
        "doc_id", "run_date", *spec.inputs, F.col(spec.label).cast("string").alias("label")
    )
    if max_rows is None:
        return rows
    newest = (
        rows.select("run_date", "doc_id")
        .orderBy(F.col("run_date").desc(), F.col("doc_id"))
        .limit(max_rows)
    )
    return rows.join(newest, ["run_date", "doc_id"], "left_semi").select(*rows.columns)


def snapshot_digest(snapshot: DataFrame) -> str:
    """sha256 over the column names and the sorted per-row digests: the same rows give the same
    digest in any order; another column set gives another digest."""
    columns = snapshot.columns
    row_digests = snapshot.select(
        F.sha2(
            F.concat_ws(
                "\x1f", *[F.coalesce(F.col(c).cast("string"), F.lit("\x00")) for c in columns]
            ),
            256,
        ).alias("h")
    )
    digest = hashlib.sha256("\x1f".join(columns).encode())
    for row in row_digests.orderBy("h").toLocalIterator():
        digest.update(bytes.fromhex(row["h"]))
    return digest.hexdigest()
