"""What is monitored for a model, and the one-pass summary of it: local or on Spark's executors.

A model's monitored features are its inputs (free text excepted), the documents' language,
format and sender domain, and its outputs (prediction, confidence, decision). A numeric feature
is summarised by nulls, moments, a histogram on the reference's fixed edges and a quantile
sketch; a categorical one by nulls and frequencies (lockgate.monitoring.statistics).

`summarise_frame` reads every row once: each Spark partition folds its Arrow batches into one
partial state per group (run date, model version) inside `mapInArrow`, and the driver merges the
partials. One Spark job of one stage, whatever the number of features.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa

from lockgate.monitoring.statistics import (
    Statistic,
    categorical_statistics,
    numeric_statistics,
)

# Columns whose distribution means nothing as a histogram or a frequency table.
FREE_TEXT = frozenset({"masked_text"})
DOCUMENT_COLUMNS = ("language", "format", "sender_domain")
OUTPUT_KINDS = {"prediction": "categorical", "confidence": "numeric", "decision": "categorical"}


@dataclass(frozen=True)
class Feature:
    """One monitored column: numeric or categorical; an input, a document attribute or an output.

    `edges` are a numeric feature's histogram edges, fixed by its training reference.
    """

    name: str
    kind: str
    role: str
    edges: tuple[float, ...] = ()

    def statistics(self) -> dict[str, Statistic]:
        if self.kind == "numeric":
            return numeric_statistics(self.edges)
        return categorical_statistics()

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "role": self.role, "edges": list(self.edges)}

    @classmethod
    def from_dict(cls, data: dict) -> Feature:
        return cls(data["name"], data["kind"], data["role"], tuple(data.get("edges", ())))


def monitored_columns(inputs: Iterable[str], types: dict[str, pa.DataType]) -> list[Feature]:
    """The features to monitor for a model reading `inputs`, given the Arrow type of each column
    it has: of the document table, with the document columns every document model watches, or
    of a dataset model's snapshot (edges are not known yet: the reference fixes them)."""
    own = [c for c in inputs if c not in FREE_TEXT]
    columns = [(c, "input") for c in own]
    columns += [(c, "document") for c in DOCUMENT_COLUMNS if c not in own and c in types]
    features = [Feature(name, column_kind(types[name]), role) for name, role in columns]
    return features + [Feature(name, kind, "output") for name, kind in OUTPUT_KINDS.items()]


def column_kind(arrow_type: pa.DataType) -> str:
    """categorical for strings, numeric for numbers and booleans; anything else is refused."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "categorical"
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return "numeric"
    if pa.types.is_boolean(arrow_type):
        return "numeric"
    raise TypeError(f"cannot monitor a column of type {arrow_type}")


def _values(column: pa.Array | pa.ChunkedArray, kind: str):
    if kind == "numeric":
        return column.cast(pa.float64()).to_numpy(zero_copy_only=False)
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return column.cast(pa.string())


def zero_summary(features: list[Feature]) -> dict[str, dict]:
    return {f.name: {n: s.zero() for n, s in f.statistics().items()} for f in features}


def summarise_table(
    features: list[Feature],
    table: pa.Table | pa.RecordBatch,
    summary: dict[str, dict] | None = None,
) -> dict[str, dict]:
    """Fold every row of `table` into `summary` (a zero summary when None): feature -> statistic
    -> state. Vectorised per column; the same code runs on the driver and on the executors."""
    summary = summary or zero_summary(features)
    folded = {}
    for feature in features:
        values = _values(table.column(feature.name), feature.kind)
        states = summary[feature.name]
        folded[feature.name] = {
            name: stat.update(states[name], values) for name, stat in feature.statistics().items()
        }
    return folded


def merge_summaries(features: list[Feature], a: dict[str, dict], b: dict[str, dict]) -> dict:
    return {
        f.name: {n: s.merge(a[f.name][n], b[f.name][n]) for n, s in f.statistics().items()}
        for f in features
    }


def rows_of(summary: dict[str, dict]) -> int:
    """Rows folded into a summary (every feature sees every row)."""
    first = next(iter(summary.values()))
    return int(first["nulls"]["rows"])


_PARTIAL_SCHEMA = "group string, summary string"


def summarise_frame(frame, features: list[Feature], group: str) -> dict[str, dict]:
    """group value -> summary of the Spark DataFrame `frame`, in one pass over its rows.

    Each partition yields one partial summary per group value it holds (as JSON); the driver
    merges them. Reading the rows, summarising and merging is one Spark job with one stage.
    """
    names = [f.name for f in features]

    def fold(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        import pyarrow.compute as pc

        partial: dict[str, dict] = {}
        for batch in batches:
            if batch.num_rows == 0:
                continue
            keys = batch.column(group)
            unique = pc.unique(keys).to_pylist()
            for key in unique:
                rows = batch if len(unique) == 1 else batch.filter(pc.equal(keys, key))
                partial[key] = summarise_table(features, rows, partial.get(key))
        yield pa.RecordBatch.from_pydict(
            {"group": list(partial), "summary": [json.dumps(s) for s in partial.values()]}
        )

    merged: dict[str, dict] = {}
    from pyspark.sql import functions as F

    keyed = frame.select(F.col(group).cast("string").alias(group), *names)
    for row in keyed.mapInArrow(fold, _PARTIAL_SCHEMA).collect():
        part = json.loads(row["summary"])
        key = row["group"]
        merged[key] = merge_summaries(features, merged[key], part) if key in merged else part
    return merged


def finish_summary(features: list[Feature], summary: dict[str, dict]) -> dict[str, dict]:
    """The readable figures of a summary: feature -> statistic -> finished result."""
    return {
        f.name: {n: s.finish(summary[f.name][n]) for n, s in f.statistics().items()}
        for f in features
    }
