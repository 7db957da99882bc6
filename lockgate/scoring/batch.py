"""Score documents with a verified model: broadcast the skops bytes (and a compiled library)
once, predict per Arrow batch."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql.types import DoubleType, StringType, StructField, StructType

from lockgate.spark import share, udf_schema

SCORE_SCHEMA = StructType(
    [
        StructField("doc_id", StringType(), False),
        StructField("prediction", StringType(), False),
        StructField("confidence", DoubleType(), False),
        StructField("decision", StringType(), False),
    ]
)
# What a scorer's Python side yields per batch, as Arrow.
SCORE_ARROW_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("prediction", pa.string()),
        ("confidence", pa.float64()),
        ("decision", pa.string()),
    ]
)
_ESTIMATORS: dict[str, object] = {}


def load_scorer(data: bytes, library: bytes | None = None, library_sha256: str | None = None):
    """What scores a model's rows (`predict_proba`, `classes_`): its trees compiled to native
    code where the release carries a library (`scoring.compiled`), else the skops pipeline
    with its TF-IDF vectorizers on the faster path that gives the same matrix
    (`scoring.text`). Release verification checks its canary through this same object."""
    from lockgate.registry import load_model

    pipeline = load_model(data)
    if library is not None and library_sha256 is not None:
        from lockgate.scoring.compiled import CompiledTrees

        return CompiledTrees(pipeline, library, library_sha256)
    from lockgate.scoring.text import speed_up

    speed_up(pipeline)
    return pipeline


def _estimator(digest: str, data: bytes, library: bytes | None, library_sha256: str | None):
    # One load per Python worker, not per batch.
    key = f"{digest}/{library_sha256}"
    if key not in _ESTIMATORS:
        _ESTIMATORS[key] = load_scorer(data, library, library_sha256)
    return _ESTIMATORS[key]


def model_input(batch: pa.RecordBatch, inputs: list[str]):
    """The model's input columns of an Arrow batch as pandas, in the order it was trained on;
    only those are converted (not the doc_id strings that travel beside them)."""
    return pa.Table.from_batches([batch]).select(inputs).to_pandas()


def decide(proba: np.ndarray, classes: np.ndarray, thresholds: dict[str, float]):
    """(prediction, confidence, decision) per row of class probabilities: a row is decided
    automatically when its confidence reaches the threshold of the class it was given, otherwise
    it goes to manual review. Training's reference and batch scoring both decide here."""
    cut = np.asarray([thresholds.get(c, 1.01) for c in classes])
    best = proba.argmax(axis=1)
    confidence = proba.max(axis=1)
    decision = np.where(confidence >= cut[best], "auto_route", "manual_review")
    return classes[best], confidence, decision


def score_frame(
    features: DataFrame,
    model_bytes: bytes,
    digest: str,
    inputs: list[str],
    thresholds: dict[str, float],
    library: bytes | None = None,
    library_sha256: str | None = None,
) -> DataFrame:
    """doc_id, prediction, confidence and decision (see `decide`) for every row of the
    document features; the trees run from `library` when the release compiled them
    (`lockgate.scoring.compiled`)."""
    spark = features.sparkSession
    shared = share(spark, model_bytes)
    shared_library = share(spark, library) if library is not None else None

    def predict(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        estimator = _estimator(
            digest,
            shared.value,
            shared_library.value if shared_library is not None else None,
            library_sha256,
        )
        classes = np.asarray([str(c) for c in estimator.classes_])
        for batch in batches:
            if batch.num_rows == 0:
                continue
            proba = estimator.predict_proba(model_input(batch, inputs))
            prediction, confidence, decision = decide(proba, classes, thresholds)
            yield pa.RecordBatch.from_arrays(
                [
                    batch.column("doc_id"),
                    pa.array(prediction),
                    pa.array(confidence),
                    pa.array(decision),
                ],
                schema=SCORE_ARROW_SCHEMA,
            )

    return features.select("doc_id", *inputs).mapInArrow(predict, udf_schema(spark, SCORE_SCHEMA))
