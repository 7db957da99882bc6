"""Score documents with a verified model: broadcast the skops bytes (and a compiled library)
once, predict per Arrow batch."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
from pyspark.sql import DataFrame
from pyspark.sql.types import ArrayType, DoubleType, StringType, StructField, StructType

from lockgate.spark import share, udf_schema

# A document sent to manual review carries the model's most likely classes, best first, for the
# person who decides it; a document decided automatically carries none (null).
TOP_CLASSES = 3
SCORE_SCHEMA = StructType(
    [
        StructField("doc_id", StringType(), False),
        StructField("prediction", StringType(), False),
        StructField("confidence", DoubleType(), False),
        StructField("decision", StringType(), False),
        StructField(
            "top_classes",
            ArrayType(
                StructType(
                    [
                        StructField("label", StringType(), False),
                        StructField("probability", DoubleType(), False),
                    ]
                ),
                False,
            ),
            True,
        ),
    ]
)
_TOP_CLASSES_ARROW = pa.list_(
    pa.field(
        "element",
        pa.struct(
            [pa.field("label", pa.string(), False), pa.field("probability", pa.float64(), False)]
        ),
        False,
    )
)
# What a scorer's Python side yields per batch, as Arrow.
SCORE_ARROW_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("prediction", pa.string()),
        ("confidence", pa.float64()),
        ("decision", pa.string()),
        ("top_classes", _TOP_CLASSES_ARROW),
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


def top_classes(proba: np.ndarray, classes: np.ndarray, decision: np.ndarray) -> pa.Array:
    """Per row sent to manual review, the TOP_CLASSES most likely classes with their
    probabilities, best first (ties in the model's class order); null for the other rows."""
    values: list = [None] * len(decision)
    review = np.flatnonzero(decision == "manual_review")
    if len(review):
        best = np.argsort(-proba[review], axis=1, kind="stable")[:, :TOP_CLASSES]
        for row, order in zip(review, best, strict=True):
            values[row] = [
                {"label": str(classes[j]), "probability": float(proba[row, j])} for j in order
            ]
    return pa.array(values, type=_TOP_CLASSES_ARROW)


def no_top_classes(rows: int) -> pa.Array:
    return pa.nulls(rows, type=_TOP_CLASSES_ARROW)


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
    document features, and the model's best classes for a row sent to manual review; the trees run from `library` when the release compiled them
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
                    top_classes(proba, classes, decision),
                ],
                schema=SCORE_ARROW_SCHEMA,
            )

    return features.select("doc_id", *inputs).mapInArrow(predict, udf_schema(spark, SCORE_SCHEMA))
