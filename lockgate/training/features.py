"""The labelled document table every model reads: one row per received document.

Built the same way for training snapshots and for scoring, so a model sees the same columns
computed by the same code in both (no training/serving skew). Spark transforms only.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

IDENTIFIERS = ("IBAN", "BIC", "ISIN", "LEI")


def _count(entity_type: str, valid_only: bool = True) -> Column:
    def keep(e):
        same = e["type"] == entity_type
        return same & e["valid"] if valid_only else same

    return F.size(F.filter("entities", keep)).cast("double")


def document_features(extracted: DataFrame) -> DataFrame:
    """Received (top-level) documents with their text and the counts and sizes of their fields.

    Attachments are not rows of their own: their fields already appear on the document that
    carried them (source=attachment).
    """
    if "parent_doc_id" in extracted.columns:
        extracted = extracted.where(F.col("parent_doc_id").isNull())
    amounts = F.transform(
        F.filter("entities", lambda e: (e["type"] == "AMOUNT") & e["valid"]),
        lambda e: F.split(e["normalized"], " ")[0].cast("double"),
    )
    invalid = F.size(
        F.filter("entities", lambda e: e["type"].isin(*IDENTIFIERS) & ~e["valid"])
    ).cast("double")
    return extracted.select(
        "doc_id",
        "run_date",
        F.coalesce("masked_text", F.lit("")).alias("masked_text"),
        F.coalesce("language", F.lit("unknown")).alias("language"),
        "format",
        "sender_domain",
        F.col("has_signature").cast("double").alias("has_signature"),
        F.col("attachment_count").cast("double").alias("attachment_count"),
        F.col("text_chars").cast("double").alias("text_chars"),
        _count("AMOUNT").alias("amount_count"),
        F.coalesce(F.array_max(amounts), F.lit(0.0)).alias("max_amount"),
        _count("DATE").alias("date_count"),
        _count("IBAN").alias("iban_count"),
        _count("ISIN").alias("isin_count"),
        _count("PERSON", valid_only=False).alias("person_count"),
        invalid.alias("invalid_identifier_count"),
    )


def labelled_documents(extracted: DataFrame, labels: DataFrame, up_to: str) -> DataFrame:
    """Document features up to and including `up_to`, joined with their labels: `labels` has a
    row per labelled document, doc_id and a column per label, as known on `up_to` (the label
    store's `labels_as_of`, so a decision made later never reaches the snapshot)."""
    usable = labels.dropDuplicates(["doc_id"])
    features = document_features(extracted.where(F.col("run_date") <= up_to)).dropDuplicates(
        ["doc_id"]
    )
    return features.join(usable, "doc_id")
