"""The training stages as the jobs call them: snapshot the labelled data, then fit, gate and register."""

from __future__ import annotations

from pyspark.sql import SparkSession

from lockgate.config import Settings
from lockgate.models import get_model
from lockgate.registry import ModelVersionRecord, register_model
from lockgate.storage import Layout, read_json, uri_exists, write_json_atomic
from lockgate.storage.spark_io import write_partition
from lockgate.training.dataset import labelled_documents, snapshot_digest
from lockgate.training.evaluation import apply_gate
from lockgate.training.fit import fit_and_evaluate, model_to_bytes


def build_training_snapshot(spark: SparkSession, layout: Layout, model: str, run_date: str) -> dict:
    """Write the content-addressed snapshot for `run_date` (once per content) and its manifest."""
    extracted = spark.read.parquet(layout.extracted)
    labels = spark.read.json(f"{layout.root}/labels/*/ground_truth.jsonl")
    snapshot = labelled_documents(extracted, labels, run_date).persist()
    digest = snapshot_digest(snapshot)
    target = layout.training_snapshot(model, digest)
    if not uri_exists(target):
        write_partition(snapshot, layout.training(model), f"snapshot={digest}", ["doc_id"])
    manifest = {
        "model": model,
        "run_date": run_date,
        "snapshot": digest,
        "rows": snapshot.count(),
        "label_counts": {
            r["label"]: r["count"] for r in snapshot.groupBy("label").count().collect()
        },
    }
    write_json_atomic(layout.manifest(f"training_set/{model}", run_date), manifest)
    return manifest


def train_and_register(
    spark: SparkSession, settings: Settings, layout: Layout, model: str, run_date: str,
    lineage: dict[str, str],
) -> ModelVersionRecord:  # fmt: skip
    """Fit on the run's snapshot, evaluate on held-out data, gate, and register with lineage."""
    spec = get_model(model)
    gate_config = settings.policy.gates[spec.gate]
    snapshot = read_json(layout.manifest(f"training_set/{model}", run_date))["snapshot"]
    frame = (
        spark.read.parquet(layout.training_snapshot(model, snapshot))
        .select("doc_id", spec.text_column, spec.label)
        .toPandas()
    )
    trained = fit_and_evaluate(frame, spec, gate_config.target_precision)
    gate = apply_gate(trained.metrics, gate_config)
    model_bytes = model_to_bytes(trained.estimator)
    metadata = {
        "model": model,
        "classes": trained.classes,
        "text_column": spec.text_column,
        "snapshot_digest": snapshot,
        "threshold": trained.threshold.__dict__,
        "metrics": trained.metrics,
        "per_class": trained.per_class,
        "gate": gate.to_dict() | {"explain": gate.explain(), "environment": settings.environment},
        "canary": trained.canary,
        "train_rows": trained.train_rows,
        "holdout_rows": trained.holdout_rows,
    }
    params = {k: str(v) for k, v in trained.estimator.get_params(deep=True).items()
              if isinstance(v, (int, float, str, bool, tuple, type(None)))}  # fmt: skip
    record = register_model(
        settings, model, model_bytes, metadata, params, trained.metrics,
        {**lineage, "snapshot_digest": snapshot, "run_date": run_date},
    )  # fmt: skip
    write_json_atomic(
        layout.manifest(f"model/{model}", run_date),
        {"model": model, "version": record.version, "artifact_sha256": record.artifact_sha256,
         "metrics": trained.metrics, "gate": metadata["gate"], "snapshot": snapshot},
    )  # fmt: skip
    return record
