"""Build a labelled, masked, content-addressed training snapshot (Spark transforms)."""

from __future__ import annotations

import hashlib

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

SNAPSHOT_COLUMNS = ["doc_id", "masked_text", "label", "run_date"]


def labelled_documents(extracted: DataFrame, labels: DataFrame, up_to: str) -> DataFrame:
    """Documents extracted on or before `up_to` joined with their department label."""
    usable_labels = (
        labels.where(F.col("broken_reason").isNull() & (F.col("run_date") <= up_to))
        .select("doc_id", F.col("department").alias("label"))
        .dropDuplicates(["doc_id"])
    )
    return (
        extracted.where(F.col("run_date") <= up_to)
        .select("doc_id", "masked_text", "run_date")
        .dropDuplicates(["doc_id"])
        .join(usable_labels, "doc_id")
        .select(*SNAPSHOT_COLUMNS)
    )


def snapshot_digest(snapshot: DataFrame) -> str:
    """sha256 over the sorted per-row digests: the same rows give the same digest, in any order."""
    row_digests = snapshot.select(
        F.sha2(
            F.concat_ws("\x1f", *[F.col(c).cast("string") for c in SNAPSHOT_COLUMNS]), 256
        ).alias("h")
    )
    digest = hashlib.sha256()
    for row in row_digests.orderBy("h").toLocalIterator():
        digest.update(bytes.fromhex(row["h"]))
    return digest.hexdigest()
