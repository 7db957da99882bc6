"""Score documents with a verified model: broadcast the skops bytes once, predict per Arrow batch."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import DoubleType, StringType, StructField, StructType

from lockgate.config import Settings
from lockgate.registry import fetch_verified_model
from lockgate.release import open_ledger
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
    [("doc_id", pa.string()), ("prediction", pa.string()), ("confidence", pa.float64()),
     ("decision", pa.string())]
)  # fmt: skip
_ESTIMATORS: dict[str, object] = {}


class ReleaseRefused(RuntimeError):
    """Scoring cannot run with what is deployed (nothing deployed, not approved, bad artifact)."""


def _estimator(digest: str, data: bytes):
    # One deserialisation per Python worker, not per batch.
    if digest not in _ESTIMATORS:
        from lockgate.registry import load_model

        _ESTIMATORS[digest] = load_model(data)
    return _ESTIMATORS[digest]


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
    features: DataFrame, model_bytes: bytes, digest: str, inputs: list[str],
    thresholds: dict[str, float],
) -> DataFrame:  # fmt: skip
    """doc_id, prediction, confidence and decision (see `decide`) for every row of the
    document features."""
    spark = features.sparkSession
    shared = share(spark, model_bytes)

    def predict(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        estimator = _estimator(digest, shared.value)
        classes = np.asarray([str(c) for c in estimator.classes_])
        for batch in batches:
            if batch.num_rows == 0:
                continue
            proba = estimator.predict_proba(model_input(batch, inputs))
            prediction, confidence, decision = decide(proba, classes, thresholds)
            yield pa.RecordBatch.from_arrays(
                [batch.column("doc_id"), pa.array(prediction), pa.array(confidence),
                 pa.array(decision)],
                schema=SCORE_ARROW_SCHEMA,
            )  # fmt: skip

    return features.select("doc_id", *inputs).mapInArrow(predict, udf_schema(spark, SCORE_SCHEMA))


def deployed_models(
    settings: Settings, environment: str, run_date: str | None = None
) -> tuple[str, list[tuple[dict, bytes]]]:
    """The release in `environment` and each of its models' verified bytes; refuses what may not
    run: nothing deployed, a change that is not deployed (still verifying, rolled back), a
    change without the approvals its environment requires, a record that disagrees with the
    audit log, or an artifact whose digest moved.

    Every refusal is audited (`scoring.refused`); one that is the release's own fault (an
    artifact that no longer matches, or will not load) is also a failed scoring run of that
    release on `run_date`, so its soak evidence and `status` show it."""
    from lockgate.registry.mlflow_registry import DigestMismatch, UntrustedModel
    from lockgate.release.identity import cli_identity

    ledger = open_ledger(settings)
    try:
        return _deployed_models(settings, ledger, environment)
    except (ReleaseRefused, DigestMismatch, UntrustedModel) as refused:
        pointer = ledger.pointer(environment)
        detail = f"scoring refused: {type(refused).__name__}: {refused}"[:2000]
        day = run_date or "-"
        try:
            if pointer and isinstance(refused, (DigestMismatch, UntrustedModel)):
                ledger.record_scoring_run(environment, pointer["release_id"], day, False, detail,
                                          cli_identity())  # fmt: skip
            else:
                ledger.record_event(cli_identity(), "scoring.refused", environment,
                                    {"run_date": day, "detail": detail}, environment)  # fmt: skip
        except Exception as unrecorded:  # noqa: BLE001 - the refusal is what must surface
            raise ReleaseRefused(
                f"{refused} (and it could not be recorded in the ledger: "
                f"{type(unrecorded).__name__}: {unrecorded})"
            ) from refused
        raise


def _deployed_models(settings: Settings, ledger, environment: str):
    from lockgate.release.deploy import unapproved
    from lockgate.release.integrity import environment_problems

    pointer = ledger.pointer(environment)
    if pointer is None:
        raise ReleaseRefused(f"no release is deployed in {environment}; deploy one before scoring")
    problems = environment_problems(ledger, environment)
    if problems:
        raise ReleaseRefused(f"the ledger's record of {environment} is not to be believed; "
                             "refusing to score: " + "; ".join(problems))  # fmt: skip
    change = ledger.change(pointer["change_id"])
    if change["state"] != "deployed":
        raise ReleaseRefused(
            f"{environment} points at {pointer['release_id']} through change "
            f"{change['change_id']} in state {change['state']!r}; refusing to score"
        )
    missing = unapproved(settings, ledger, change)
    if missing:
        raise ReleaseRefused(
            f"{environment} points at {pointer['release_id']} through change "
            f"{change['change_id']}, which lacks approvals from {missing}; refusing to score"
        )
    bundle = ledger.release(pointer["release_id"])["bundle"]
    models = [
        (
            entry,
            fetch_verified_model(
                settings, entry["name"], entry["version"], entry["artifact_sha256"]
            ),
        )
        for entry in bundle["models"]
    ]
    return pointer["release_id"], models


def score_run(
    spark: SparkSession, settings: Settings, documents: DataFrame, environment: str,
    deployed: tuple[str, list[tuple[dict, bytes]]] | None = None,
) -> dict[str, tuple[DataFrame, dict]]:  # fmt: skip
    """Scores per model of the deployed release, each tagged with the release that made them.

    `deployed` is what `deployed_models` returned, for a backfill that checks the release once
    and scores many days with it; by default it is checked now.

    Received documents are scored; their attachments travel with them and are not scored alone.
    Every model reads its inputs from the same document features its training snapshot had.
    """
    from pyspark.sql import functions as F

    from lockgate.spark import kept
    from lockgate.training.features import document_features

    release_id, models = deployed or deployed_models(settings, environment)
    features = kept(document_features(documents))
    scored = {}
    for entry, data in models:
        frame = score_frame(
            features, data, entry["artifact_sha256"], entry["inputs"], entry["thresholds"]
        ).select(
            "*",
            F.lit(entry["name"]).alias("model"),
            F.lit(entry["version"]).alias("model_version"),
            F.lit(release_id).alias("release_id"),
        )
        scored[entry["name"]] = (frame, entry)
    return scored
