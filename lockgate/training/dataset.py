"""A model's training snapshot, content-addressed: its columns of the labelled document table,
or, for a model on a dataset, its point-in-time features and matured labels."""

from __future__ import annotations

import hashlib

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lockgate.models import ModelSpec
from lockgate.training.pointintime import before, labelled, with_features


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
    return _newest(rows, "run_date", max_rows)


def _newest(rows: DataFrame, day: str, max_rows: int | None) -> DataFrame:
    """The newest `max_rows` rows (latest `day` first, then by doc_id, a content hash: the same
    rows whatever order Spark reads them in); all of them without a cap."""
    if max_rows is None:
        return rows
    newest = rows.select(day, "doc_id").orderBy(F.col(day).desc(), F.col("doc_id")).limit(max_rows)
    return rows.join(newest, [day, "doc_id"], "left_semi").select(*rows.columns)


def snapshot_columns(spec: ModelSpec) -> list[str]:
    """The columns of `spec`'s snapshot after doc_id: a dataset model's also carries the day
    of each row's moment (its time split and alert capacity are per day) and the amount its
    gate sums as the loss avoided."""
    if spec.on_documents:
        return [*spec.inputs, "label"]
    amount = getattr(spec.gate, "amount", None)
    extra = [amount] if amount and amount not in spec.inputs else []
    return ["day", *spec.inputs, *extra, "label"]


def row_ids(key: tuple[str, ...]):
    """A dataset row's id: the sha256 of its key (what training and scoring call doc_id)."""
    return F.sha2(F.concat_ws("\x1f", *[F.col(k).cast("string") for k in key]), 256)


def dataset_snapshot(
    history: DataFrame,
    label_events: DataFrame,
    spec: ModelSpec,
    key: tuple[str, ...],
    event_time: str,
    as_of: str,
    max_rows: int | None = None,
) -> tuple[DataFrame, DataFrame]:
    """(a dataset model's snapshot as of `as_of`; the rows left out because their label has not
    matured). Only events before the end of `as_of` exist for it; each row's features see its
    entity's events strictly before the row; a row is labelled once its horizon has passed, by
    the label events reported by `as_of` (`lockgate.training.pointintime`). doc_id is the
    sha256 of the row's key; `day` the UTC day of its moment.

    Both are as known on `as_of`: only the deliveries of that day or before (`run_date`, the
    lake's partition) are read, so an event delivered late, after the day, is not in it however
    early it happened, and the snapshot of a day is the same whenever it is built."""
    history = history.where(F.col("run_date") <= as_of)
    label_events = label_events.where(F.col("run_date") <= as_of)
    known = before(history, event_time, as_of)
    featured = with_features(known, event_time, spec.features)
    matured, immature = labelled(
        featured, spec.label_definition.key, event_time, label_events, spec.label_definition, as_of
    )
    columns = snapshot_columns(spec)
    rows = matured.select(
        row_ids(key).alias("doc_id"),
        # the UTC day, whatever the session's time zone
        F.date_from_unix_date(F.floor(F.unix_micros(F.col(event_time)) / 86_400_000_000))
        .cast("string")
        .alias("day"),
        *[c for c in columns if c != "day"],
    )
    return _newest(rows, "day", max_rows), immature


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
