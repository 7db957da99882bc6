"""The scoring stage: the release deployed in an environment, checked before it may score, and a
day's documents scored with it (scores and a summary per model, all of one release)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import NamedTuple

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lockgate.config import Settings
from lockgate.datasets import get_dataset
from lockgate.models import DOCUMENTS, ModelSpec, UnknownModel, get_model
from lockgate.pipeline import StageRefused
from lockgate.registry import fetch_verified_model
from lockgate.registry.mlflow_registry import DigestMismatch, UntrustedModel
from lockgate.release.bundle import BundledModel
from lockgate.release.compile import fetch_library
from lockgate.release.deploy import open_ledger, unapproved
from lockgate.release.identity import cli_identity
from lockgate.release.integrity import environment_problems
from lockgate.scoring.batch import score_frame
from lockgate.spark import Kept, kept
from lockgate.storage import Layout, uri_exists, write_json_atomic
from lockgate.storage.spark_io import read_partition, write_partition
from lockgate.training.dataset import row_ids
from lockgate.training.features import document_features
from lockgate.training.pointintime import longest_window, with_features

log = logging.getLogger(__name__)


class ModelFiles(NamedTuple):
    """A deployed model's files, each checked against the digest its release recorded: the
    skops bytes and, where the release compiled its trees, the library."""

    entry: BundledModel
    skops: bytes
    library: bytes | None


class ReleaseRefused(RuntimeError):
    """Scoring cannot run with what is deployed (nothing deployed, not approved, bad artifact)."""


def deployed_models(
    settings: Settings, environment: str, run_date: str | None = None
) -> tuple[str, list[ModelFiles]]:
    """The release in `environment` and each of its models' verified files; refuses what may not
    run: nothing deployed, a change that is not deployed (still verifying, rolled back), a
    change without the approvals its environment requires, a record that disagrees with the
    audit log, or an artifact whose digest moved.

    Every refusal is audited (`scoring.refused`); one that is the release's own fault (an
    artifact that no longer matches, or will not load) is also a failed scoring run of that
    release on `run_date`, so its soak evidence and `status` show it."""
    ledger = open_ledger(settings)
    try:
        return _deployed_models(settings, ledger, environment)
    except (ReleaseRefused, DigestMismatch, UntrustedModel) as refused:
        pointer = ledger.pointer(environment)
        detail = f"scoring refused: {type(refused).__name__}: {refused}"[:2000]
        day = run_date or "-"
        try:
            if pointer and isinstance(refused, (DigestMismatch, UntrustedModel)):
                ledger.record_scoring_run(
                    environment, pointer.release_id, day, False, detail, cli_identity()
                )
            else:
                ledger.record_event(
                    cli_identity(),
                    "scoring.refused",
                    environment,
                    {"run_date": day, "detail": detail},
                    environment,
                )
        except Exception as unrecorded:  # noqa: BLE001 - the refusal is what must surface
            raise ReleaseRefused(
                f"{refused} (and it could not be recorded in the ledger: "
                f"{type(unrecorded).__name__}: {unrecorded})"
            ) from refused
        raise


def _deployed_models(settings: Settings, ledger, environment: str):
    pointer = ledger.pointer(environment)
    if pointer is None:
        raise ReleaseRefused(f"no release is deployed in {environment}; deploy one before scoring")
    problems = environment_problems(ledger, environment)
    if problems:
        raise ReleaseRefused(
            f"the ledger's record of {environment} is not to be believed; "
            "refusing to score: " + "; ".join(problems)
        )
    change = ledger.change(pointer.change_id)
    if change["state"] != "deployed":
        raise ReleaseRefused(
            f"{environment} points at {pointer.release_id} through change "
            f"{change['change_id']} in state {change['state']!r}; refusing to score"
        )
    missing = unapproved(settings, ledger, change)
    if missing:
        raise ReleaseRefused(
            f"{environment} points at {pointer.release_id} through change "
            f"{change['change_id']}, which lacks approvals from {missing}; refusing to score"
        )
    models = [
        ModelFiles(
            entry,
            fetch_verified_model(settings, entry.name, entry.version, entry.artifact_sha256),
            fetch_library(settings, entry),
        )
        for entry in ledger.bundle(pointer.release_id).models
    ]
    return pointer.release_id, models


def score_run(
    spark: SparkSession,
    settings: Settings,
    documents: DataFrame,
    environment: str,
    deployed: tuple[str, list[ModelFiles]] | None = None,
    keep: Callable[[DataFrame], DataFrame] = kept,
) -> dict[str, tuple[DataFrame, dict]]:
    """Scores per model of the deployed release, each tagged with the release that made them.

    `deployed` is what `deployed_models` returned, for a backfill that checks the release once
    and scores many days with it; by default it is checked now. `keep` persists what is read
    more than once (a caller's `Kept`, to release it when the day is written).

    Received documents are scored; their attachments travel with them and are not scored alone.
    Every model reads its inputs from the same document features its training snapshot had.
    """
    release_id, models = deployed or deployed_models(settings, environment)
    features = keep(document_features(documents))
    scored = {}
    for entry, data, library in models:
        if entry.dataset != DOCUMENTS:
            continue  # scored from its dataset (`score_dataset_model`)
        frame = score_frame(
            features,
            data,
            entry.artifact_sha256,
            list(entry.inputs),
            dict(entry.thresholds),
            library,
            entry.library_sha256,
        ).select(
            "*",
            F.lit(entry.name).alias("model"),
            F.lit(entry.version).alias("model_version"),
            F.lit(release_id).alias("release_id"),
        )
        scored[entry.name] = (frame, entry)
    return scored


def score_dataset_model(
    spark: SparkSession,
    layout: Layout,
    files: ModelFiles,
    release_id: str,
    run_date: str,
    spec: ModelSpec | None = None,
    keep: Callable[[DataFrame], DataFrame] = kept,
) -> tuple[DataFrame, int]:
    """(the scores of a model on a dataset for the rows delivered on `run_date`, their number).

    Its features are computed as in training, from the entity's events strictly before each
    row, reading the deliveries and events its longest window reaches back from the day's
    earliest row. An alerting model's
    `score` is its positive class's probability; each day's `alerts_per_day` best-scored rows
    (ties by doc_id), as the release gated it, are its alerts (decision `alert`, the others
    `pass`). `spec` is the model's declaration (by default the registered model of the
    entry's name); `keep` as for `score_run`."""
    entry, data, library = files
    if spec is None:
        try:
            spec = get_model(entry.name)
        except UnknownModel:
            raise StageRefused(
                f"{entry.label} of {release_id} reads the dataset {entry.dataset}, and no "
                f"installed package declares the model {entry.name} any more: its features "
                "cannot be computed; install the package that declares it, or release "
                "without it"
            ) from None
    if not uri_exists(layout.ingestion_manifest(spec.dataset, run_date)):
        raise StageRefused(
            f"{entry.label} scores the {spec.dataset} delivered on {run_date}, which was not "
            f"ingested; run jobs/ingest_dataset.py --dataset {spec.dataset} --run-date "
            f"{run_date} first"
        )
    dataset = get_dataset(spec.dataset)
    lake = spark.read.parquet(layout.dataset(spec.dataset))
    event = F.unix_micros(F.col(dataset.event_time))
    earliest = lake.where(F.col("run_date") == run_date).agg(F.min(event)).first()[0]
    # Every event in the window of one of the day's rows is at or after its earliest row's
    # moment less the longest window, and was delivered on that event's day or later: only
    # those deliveries and events are read (an initial load may hold months the windows never
    # reach). A day without rows reads its own, empty, delivery.
    if earliest is None:
        history = lake.where(F.col("run_date") == run_date)
    else:
        since = earliest - longest_window(spec.features) * 1_000_000
        first = datetime.fromtimestamp(since / 1_000_000, UTC).date().isoformat()
        history = lake.where(F.col("run_date").between(first, run_date)).where(event >= since)
    today = with_features(history, dataset.event_time, spec.features)
    today = keep(
        today.where(F.col("run_date") == run_date).select(
            row_ids(dataset.key).alias("doc_id"), *spec.inputs
        )
    )
    rows = today.count()
    scores = keep(
        score_frame(
            today,
            data,
            entry.artifact_sha256,
            list(entry.inputs),
            dict(entry.thresholds),
            library,
            entry.library_sha256,
        )
    )
    if spec.alerting:
        positive = spec.label_definition.positive
        capacity = entry.gate["thresholds"]["alerts_per_day"]
        scores = scores.withColumn(
            "score",
            F.filter("top_classes", lambda c: c["label"] == positive)[0]["probability"],
        )
        alerts = (
            scores.orderBy(F.desc("score"), "doc_id")
            .limit(capacity)
            .select("doc_id", F.lit(True).alias("_alert"))
        )
        scores = (
            scores.join(alerts, "doc_id", "left")
            .withColumn("decision", F.when(F.col("_alert"), "alert").otherwise("pass"))
            .drop("_alert")
        )
    # With the inputs as scored: what monitoring summarises, what an analyst explains an
    # alert with.
    scores = scores.join(today, "doc_id")
    return scores.select(
        "*",
        F.lit(entry.name).alias("model"),
        F.lit(entry.version).alias("model_version"),
        F.lit(release_id).alias("release_id"),
    ), rows


def score_day(
    spark: SparkSession,
    config: Settings,
    layout: Layout,
    environment: str,
    run_date: str,
    deployed: tuple[str, list[ModelFiles]],
) -> dict[str, dict]:
    """Score one run date with the checked release and write each model's scores and summary:
    model -> summary. One scoring run writes one release's scores, or fails. What it persists
    is released when the day is written (a backfill scores many days in one application)."""
    with Kept() as keep:
        return _score_day(spark, config, layout, environment, run_date, deployed, keep)


def _score_day(spark, config, layout, environment, run_date, deployed, keep) -> dict[str, dict]:
    summaries = {}
    partition = Layout.partition(run_date)
    documents = read_partition(spark, layout.extracted, partition)
    scored = {
        model: (scores, entry, None)
        for model, (scores, entry) in score_run(
            spark, config, documents, environment, deployed, keep
        ).items()
    }
    release_id, models = deployed
    for files in models:
        if files.entry.dataset != DOCUMENTS:
            scores, rows = score_dataset_model(
                spark, layout, files, release_id, run_date, keep=keep
            )
            scored[files.entry.name] = (scores, files.entry, rows)
    # A bound on each model's scores (one per document at most), from the files' footers.
    documents_rows = documents.count()
    for model, (scores, entry, rows) in scored.items():
        scores = scores.withColumn("run_date", F.lit(run_date))
        write_partition(
            scores,
            layout.scores(environment, model),
            partition,
            ["doc_id"],
            rows=documents_rows if rows is None else rows,
        )
        written = read_partition(spark, layout.scores(environment, model), partition)
        # One pass over what was written: rows per release and decision.
        counts = written.groupBy("release_id", "decision").count().collect()
        releases = sorted({r["release_id"] for r in counts})
        if len(releases) != 1:
            raise StageRefused(
                f"scores of {model} for {run_date} name releases {releases}; "
                "one scoring run writes one release's scores"
            )
        by_decision = {r["decision"]: r["count"] for r in counts}
        summary = {
            "model": model,
            "model_version": entry.version,
            "release_id": releases[0],
            "rows": sum(by_decision.values()),
            "by_decision": by_decision,
        }
        write_json_atomic(layout.scores_manifest(environment, model, run_date), summary)
        log.info("scores %s %s %s: %s", environment, model, run_date, summary)
        summaries[model] = summary
    return summaries
