"""The training stage as jobs and the CLI run it: snapshot, search, fit, gate, the monitoring
reference, register, reproduce."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from lockgate.config import Settings
from lockgate.datasets import get_dataset
from lockgate.labels.store import labels_as_of
from lockgate.models import (
    InvalidModel,
    ModelSpec,
    check_model,
    get_model,
    registered_models,
    tree_ensemble,
)
from lockgate.monitoring.profile import DOCUMENT_COLUMNS, monitored_columns
from lockgate.monitoring.reference import REFERENCE_KEY, build_reference
from lockgate.pipeline.onboarding import awaited_datasets
from lockgate.provenance import code_version
from lockgate.registry import ModelVersionRecord, register_model
from lockgate.registry.mlflow_registry import get_version
from lockgate.release.deploy import deployed_version
from lockgate.scoring.batch import decide
from lockgate.spark import kept
from lockgate.storage import Layout, read_json, uri_exists, write_json_atomic
from lockgate.storage.spark_io import write_partition
from lockgate.training.capacity import alerts
from lockgate.training.card import render_card
from lockgate.training.champion import score_champion
from lockgate.training.dataset import (
    dataset_snapshot,
    model_snapshot,
    snapshot_columns,
    snapshot_digest,
)
from lockgate.training.evaluation import apply_gate, class_routing
from lockgate.training.features import document_features, labelled_documents
from lockgate.training.fit import (
    TEST_ROWS_FILE,
    TrainedModel,
    held_out_parquet,
    model_to_bytes,
    predict_proba,
    sha256_hex,
    split_snapshot,
    train_candidate,
)
from lockgate.training.search import best_trial, run_search

log = logging.getLogger(__name__)


def build_training_snapshots(
    spark: SparkSession,
    layout: Layout,
    run_date: str,
    models: list[str] | None = None,
    max_rows: int | None = None,
) -> dict[str, dict]:
    """Each model's content-addressed snapshot for `run_date` (written once per content), of at
    most `max_rows` labelled rows, the newest (the policy's training.max_rows): the labelled
    document table for a document model, point-in-time features and matured labels of its
    dataset for a dataset model."""
    specs = [get_model(name) for name in models] if models else list(registered_models().values())
    manifests = {}
    on_documents = [spec for spec in specs if spec.on_documents]
    if on_documents:
        extracted = spark.read.parquet(layout.extracted)
        label_columns = sorted({spec.label for spec in on_documents})
        labels = labels_as_of(spark, layout, run_date, label_columns)
        labelled = kept(labelled_documents(extracted, labels, run_date))
        for spec in on_documents:
            snapshot = kept(model_snapshot(labelled, spec, max_rows))
            # Under the cap the snapshot is every labelled row; only a full one needs counting.
            rows = snapshot.count()
            labelled_rows = (
                None
                if max_rows is None
                else (rows if rows < max_rows else model_snapshot(labelled, spec).count())
            )
            manifests[spec.name] = _write_snapshot(
                layout,
                spec,
                run_date,
                snapshot,
                rows,
                {"labelled_rows": labelled_rows, "max_rows": max_rows},
            )
        labelled.unpersist()
    for spec in specs:
        if spec.on_documents:
            continue
        # Every model's run (no list given) goes on without one whose data has not reached
        # this installation yet; a model asked for by name is refused, saying which job to run.
        awaiting = [] if models else awaited_datasets(layout, spec.name, run_date)
        if awaiting:
            log.info("%s: %s awaits its first delivery; no snapshot", spec.name, awaiting)
            continue
        manifests[spec.name] = _dataset_snapshot(spark, layout, spec, run_date, max_rows)
    return manifests


def _dataset_snapshot(
    spark: SparkSession, layout: Layout, spec: ModelSpec, run_date: str, max_rows: int | None
) -> dict:
    dataset = get_dataset(spec.dataset)
    definition = spec.label_definition
    history = _ingested(spark, layout, spec.dataset, spec.name)
    events = _ingested(spark, layout, definition.dataset, spec.name)
    snapshot, immature = dataset_snapshot(
        history, events, spec, dataset.key, dataset.event_time, run_date, max_rows
    )
    snapshot = kept(snapshot)
    rows = snapshot.count()
    return _write_snapshot(
        layout,
        spec,
        run_date,
        snapshot,
        rows,
        {
            "dataset": spec.dataset,
            "label_dataset": definition.dataset,
            "horizon_days": definition.horizon_days,
            # Rows before the cut-off whose horizon has not passed: no label yet, left out.
            "immature_rows": immature.count(),
            "days": snapshot.select("day").distinct().count(),
            "max_rows": max_rows,
        },
    )


def _ingested(spark: SparkSession, layout: Layout, dataset: str, model: str):
    path = layout.dataset(dataset)
    if not uri_exists(path):
        raise FileNotFoundError(
            f"model {model} reads the dataset {dataset}, of which no delivery has been "
            f"ingested ({path} is empty); run jobs/ingest_dataset.py --dataset {dataset} first"
        )
    return spark.read.parquet(path)


def _write_snapshot(
    layout: Layout, spec: ModelSpec, run_date: str, snapshot, rows: int, extra: dict
) -> dict:
    """Write `snapshot` under its digest unless that content is there, and its manifest."""
    digest = snapshot_digest(snapshot)
    if not uri_exists(layout.training_snapshot(spec.name, digest)):
        write_partition(
            snapshot, layout.training(spec.name), f"snapshot={digest}", ["doc_id"], rows=rows
        )
    manifest = {
        "model": spec.name,
        "run_date": run_date,
        "snapshot": digest,
        "columns": snapshot.columns,
        "rows": rows,
        **extra,
        "label_counts": {
            r["label"]: r["count"]
            for r in snapshot.groupBy("label").count().orderBy("label").collect()
        },
    }
    write_json_atomic(layout.training_set_manifest(spec.name, run_date), manifest)
    snapshot.unpersist()
    return manifest


def read_snapshot(
    spark: SparkSession, layout: Layout, spec: ModelSpec, digest: str
) -> pd.DataFrame:
    return (
        spark.read.parquet(layout.training_snapshot(spec.name, digest))
        .select("doc_id", *snapshot_columns(spec))
        .toPandas()
    )


def train_and_register(
    spark: SparkSession,
    settings: Settings,
    layout: Layout,
    model: str,
    run_date: str,
    lineage: dict[str, str],
    params: dict[str, Any] | None = None,
) -> ModelVersionRecord:
    """Search (on the executors), fit the best, gate against thresholds and the champion, register.

    `params` skips the search and trains with exactly these estimator parameters. A model that
    fails `check_model` is refused before anything is read, with every problem named.
    """
    spec = get_model(model)
    problems = check_model(spec)
    if problems:
        raise InvalidModel(f"{model} does not follow the model protocol: {'; '.join(problems)}")
    policy = settings.policy
    gate = policy.gate_for(spec)
    seed = policy.training.seed
    training_set = read_json(layout.training_set_manifest(model, run_date))
    splits = split_snapshot(read_snapshot(spark, layout, spec, training_set["snapshot"]), spec)

    if params is None:
        trials = run_search(
            spark, spec, splits.train, splits.validation, seed, gate, policy.training.max_trials
        )
        chosen = best_trial(trials)
        params, best = chosen.params, chosen.trial
    else:
        trials, best = [], None
    trained = train_candidate(splits, spec, params, seed, gate)

    champion_env = policy.training.champion_environment
    champion = deployed_version(settings, model, champion_env)
    compared = None
    if champion is not None:
        label = f"{model} v{champion.version} ({champion_env})"
        compared = (label, score_champion(settings, champion, splits.test, spec, gate))
    result = apply_gate(trained.test, gate, compared)

    model_bytes = model_to_bytes(trained.estimator)
    metadata = _metadata(spec, trained, training_set, lineage, run_date, splits, trials, best)
    metadata[REFERENCE_KEY] = monitoring_reference(
        spark, layout, spec, splits, trained.estimator, trained.thresholds, run_date, gate
    )
    metadata["gate"] = result.to_dict() | {
        "explain": result.explain(),
        "environment": settings.environment,
        "thresholds": asdict(gate),
        "classes": class_routing(trained.test),
    }
    artifacts = {}
    if tree_ensemble(trained.estimator) is not None:
        artifacts[TEST_ROWS_FILE] = held_out_parquet(splits.test, spec)
        metadata["test_rows"] = {
            "file": TEST_ROWS_FILE,
            "sha256": sha256_hex(artifacts[TEST_ROWS_FILE]),
            "rows": len(splits.test),
        }
    record = register_model(
        settings,
        model,
        model_bytes,
        metadata,
        {k: json.dumps(v) for k, v in params.items()},
        _flat_metrics(trained),
        {
            **lineage,
            "snapshot_digest": training_set["snapshot"],
            "run_date": run_date,
            "seed": str(seed),
        },
        trials=[asdict(t) for t in trials],
        card=render_card,
        artifacts=artifacts,
    )
    write_json_atomic(
        layout.model_manifest(model, run_date),
        {
            "model": model,
            "version": record.version,
            "artifact_sha256": record.artifact_sha256,
            "metrics": record.metadata["metrics"],
            "gate": record.metadata["gate"],
            "snapshot": training_set["snapshot"],
            "params": record.metadata["training"]["params"],
        },
    )
    return record


def monitoring_reference(
    spark: SparkSession,
    layout: Layout,
    spec: ModelSpec,
    splits,
    estimator,
    thresholds: dict[str, float],
    trained_up_to: str,
    gate=None,
) -> dict:
    """What "no drift" looks like for a candidate trained on `splits`: its snapshot's rows (a
    document model's as the document table has them), and its decisions on the held-out
    rows (an alerting model's as its `gate` alerts them)."""
    from pyspark.sql.pandas.types import to_arrow_type

    snapshot = pd.concat([splits.train, splits.validation, splits.test])
    if spec.on_documents:
        extracted = spark.read.parquet(layout.extracted).where(F.col("run_date") <= trained_up_to)
        documents = document_features(extracted).dropDuplicates(["doc_id"])
        ids = spark.createDataFrame(snapshot[["doc_id"]].drop_duplicates())
        wanted = {*spec.inputs, *DOCUMENT_COLUMNS}
        types = {f.name: to_arrow_type(f.dataType) for f in documents.schema if f.name in wanted}
        features = monitored_columns(spec.inputs, types)
        columns = [f.name for f in features if f.role != "output"]
        table = pa.Table.from_pandas(
            documents.join(ids, "doc_id").select(*columns).toPandas(), preserve_index=False
        )
    else:
        rows = pa.Table.from_pandas(snapshot[list(spec.inputs)], preserve_index=False)
        features = monitored_columns(spec.inputs, {f.name: f.type for f in rows.schema})
        table = rows.select([f.name for f in features if f.role != "output"])
    held_out = pd.concat([splits.validation, splits.test])
    proba, classes = predict_proba(estimator, spec, held_out)
    prediction, confidence, decision = decide(proba, np.asarray(classes), thresholds)
    if spec.alerting:  # decided as scoring does: each day's best rows up to the capacity
        score = proba[:, classes.index(spec.label_definition.positive)]
        alerted = alerts(score, held_out["day"].to_numpy(), gate.alerts_per_day)
        decision = np.where(alerted, "alert", "pass")
    outputs = pa.table({"prediction": prediction, "confidence": confidence, "decision": decision})
    return build_reference(features, table, outputs, trained_up_to)


def _metadata(
    spec, trained: TrainedModel, training_set, lineage, run_date, splits, trials, best
) -> dict:
    return {
        "model": spec.name,
        "description": spec.description,
        "label": spec.label,
        "inputs": list(spec.inputs),
        "data": spec.data(),
        "classes": trained.classes,
        "thresholds": trained.thresholds,
        "metrics": trained.test.metrics,
        "validation_metrics": trained.validation.metrics,
        "per_class": trained.test.per_class,
        "confusion": trained.test.confusion,
        "confidence": trained.test.confidence,
        "extra_metrics": sorted(spec.extra_metrics),
        "canary": trained.canary,
        # An alerting model's figures at its capacity on the test days (empty otherwise).
        "capacity": trained.test.capacity,
        "limitations": spec.limitations,
        "snapshot_digest": training_set["snapshot"],
        "training": {
            "params": trained.params,
            "seed": trained.seed,
            "snapshot_digest": training_set["snapshot"],
            "run_date": run_date,
            "label_counts": training_set["label_counts"],
            "labelled_rows": training_set.get("labelled_rows"),
            "immature_rows": training_set.get("immature_rows"),
            "max_rows": training_set.get("max_rows"),
            "code_version": lineage.get("code_version", "unknown"),
            "airflow_run_id": lineage.get("airflow_run_id", ""),
            "train_rows": trained.train_rows,
            "validation_rows": trained.validation.rows,
            "test_rows": trained.test.rows,
            "search": {
                "space": {k: list(v) for k, v in spec.search_space.items()},
                "trials": [asdict(t) for t in trials],
                "best": best,
            },
        },
    }


def _flat_metrics(trained: TrainedModel) -> dict[str, float]:
    flat = {f"test_{k}": v for k, v in trained.test.metrics.items()}
    flat |= {f"validation_{k}": v for k, v in trained.validation.metrics.items()}
    for cls, scores in trained.test.per_class.items():
        flat |= {
            f"test_{key}.{cls}": scores[key]
            for key in ("precision", "recall", "f1", "auto_precision", "auto_lower_bound")
        }
    return {k: v for k, v in flat.items() if v == v}  # MLflow refuses NaN in some stores


def reproduce_version(spark: SparkSession, settings: Settings, model: str, version: str) -> dict:
    """Retrain `model` `version` from its recorded snapshot, parameters and seed; compare digests."""
    record = get_version(settings, model, version)
    spec = get_model(model)
    training = record.metadata["training"]
    layout = Layout(settings.storage_root)
    target = layout.training_snapshot(model, training["snapshot_digest"])
    if not uri_exists(target):
        raise FileNotFoundError(f"the snapshot {model} v{version} was trained on is gone: {target}")
    frame = read_snapshot(spark, layout, spec, training["snapshot_digest"])
    splits = split_snapshot(frame, spec)
    trained = train_candidate(
        splits,
        spec,
        training["params"],
        training["seed"],
        # The gate as recorded, of the model's kind (per class, or at capacity).
        type(spec.gate)(**record.metadata["gate"]["thresholds"]),
    )
    digest = sha256_hex(model_to_bytes(trained.estimator))
    return {
        "model": model,
        "version": version,
        "snapshot_digest": training["snapshot_digest"],
        "params": training["params"],
        "seed": training["seed"],
        "recorded_code_version": training["code_version"],
        "current_code_version": code_version(),
        "recorded_sha256": record.artifact_sha256,
        "reproduced_sha256": digest,
        "match": digest == record.artifact_sha256,
    }
