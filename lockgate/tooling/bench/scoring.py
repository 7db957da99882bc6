"""Batch scoring three ways on the same model, rows and Spark session.

- `lockgate`: `scoring.batch.score_frame`, the code the scoring job runs (the skops bytes
  broadcast once, one estimator per Python worker, `predict_proba` per Arrow batch), with the
  trees compiled to native code where the release carries a library; then `lockgate_skops`
  is the same release scored through the skops model alone.
- `mlflow_spark_udf`: the same fitted estimator saved as an MLflow sklearn model (skops, its
  pyfunc predicting probabilities) and scored with `mlflow.pyfunc.spark_udf`, what a team
  would otherwise write; its probabilities become prediction, confidence and decision with
  Spark SQL, so both write the same four columns.
- `predict_proba_loop`: one Python process reading the same Parquet in batches of the same
  size and calling `predict_proba` of lockgate's scorer (`scoring.batch.load_scorer`: the
  compiled trees, the faster TF-IDF path) on each: the per-core ceiling, no Spark at all.

Beside them, `spark_floor` times lockgate's plan with no model in it: Spark's own cost of
reading, moving rows to Python and back, and writing, which bounds every Spark scorer.

Every side writes its scores to Parquet; the bench then compares them row by row. Equal
predictions and decisions are a result of the bench, reported with its figures.

The Spark sides run wherever the session's executors are: in this process's JVM on the local
profile, in YARN containers on the cluster profile (`spark.driver_session`), their data then on
HDFS. Peak memory is the RSS of this process's tree (the driver: JVM, Python, and on the local
profile the executors' Python workers), plus on YARN the executors' own process-tree peaks as
Spark reports them (`bench.executors`). The loop reads a local copy of the same Parquet.
"""

from __future__ import annotations

import json
import math
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lockgate.tooling.bench.executors import job_group_peaks
from lockgate.tooling.bench.measure import ROLES, TreeSampler

ARROW_BATCH = 10_000
SIDES = ("lockgate", "mlflow_spark_udf", "predict_proba_loop")


@dataclass(frozen=True)
class Case:
    """One model of a release and the Parquet rows every side scores."""

    model: str
    version: str
    inputs: tuple[str, ...]
    thresholds: dict[str, float]
    classes: tuple[str, ...]
    model_bytes: bytes
    digest: str
    features: str  # URI of a Parquet directory: doc_id and the inputs
    rows: int
    library: bytes | None = None  # the trees compiled by the release, if it carries them
    library_sha256: str | None = None


def replicate_features(spark, features, inputs, rows: int, path: str, files: int) -> int:
    """`rows` rows of `features` (doc_id and inputs), copies of the real ones with unique ids,
    written once to `path` as `files` Parquet files; returns the rows written."""
    from pyspark.sql import functions as F

    base = features.select("doc_id", *inputs)
    copies = math.ceil(rows / max(base.count(), 1))
    replicated = (
        base.crossJoin(spark.range(copies).withColumnRenamed("id", "copy"))
        .withColumn("doc_id", F.concat_ws("#", "doc_id", F.col("copy").cast("string")))
        .drop("copy")
        .limit(rows)
    )
    replicated.repartition(files).write.mode("overwrite").parquet(path)
    return spark.read.parquet(path).count()


def save_mlflow_model(spark, case: Case, directory: Path) -> Path:
    """The case's estimator as an MLflow sklearn model whose pyfunc returns probabilities."""
    import shutil

    from lockgate.registry import load_model
    from lockgate.registry.mlflow_registry import skops_io

    sio = skops_io()  # before MLflow imports it
    import mlflow.sklearn
    from mlflow.models import infer_signature

    estimator = load_model(case.model_bytes)
    sample = spark.read.parquet(case.features).select(*case.inputs).limit(50).toPandas()
    if directory.exists():
        shutil.rmtree(directory)
    mlflow.sklearn.save_model(
        estimator,
        str(directory),
        serialization_format="skops",
        skops_trusted_types=sio.get_untrusted_types(data=case.model_bytes),
        pyfunc_predict_fn="predict_proba",
        signature=infer_signature(sample, estimator.predict_proba(sample)),
    )
    return directory


def _lockgate(spark, case: Case, out: str, compiled: bool = True) -> None:
    from lockgate.scoring.batch import score_frame

    frame = spark.read.parquet(case.features)
    library = (case.library, case.library_sha256) if compiled else (None, None)
    scored = score_frame(
        frame, case.model_bytes, case.digest, list(case.inputs), case.thresholds, *library
    )
    scored.write.mode("overwrite").parquet(out)


def _mlflow_udf(spark, case: Case, model_dir: Path, out: str) -> None:
    import mlflow.pyfunc
    from pyspark.sql import functions as F

    udf = mlflow.pyfunc.spark_udf(
        spark, str(model_dir), result_type="array<double>", env_manager="local"
    )
    classes = F.array(*[F.lit(c) for c in case.classes])
    cuts = F.array(*[F.lit(float(case.thresholds.get(c, 1.01))) for c in case.classes])
    frame = spark.read.parquet(case.features)
    proba = frame.select("doc_id", udf(F.struct(*case.inputs)).alias("p"))
    best = proba.select(
        "doc_id",
        F.array_max("p").alias("confidence"),
        F.array_position("p", F.array_max("p")).alias("i"),
    )
    scored = best.select(
        "doc_id",
        F.element_at(classes, F.col("i").cast("int")).alias("prediction"),
        "confidence",
        F.when(F.col("confidence") >= F.element_at(cuts, F.col("i").cast("int")), "auto_route")
        .otherwise("manual_review")
        .alias("decision"),
    )
    scored.write.mode("overwrite").parquet(out)


def _spark_floor(spark, case: Case, out: str) -> None:
    """lockgate's read -> mapInArrow -> write with no model in it (a constant score per row):
    what Spark's own row handling costs here, the most any Python scorer in Spark can reach."""
    import pyarrow as pa

    from lockgate.scoring.batch import SCORE_ARROW_SCHEMA, SCORE_SCHEMA, no_top_classes

    def constant(batches):
        for batch in batches:
            n = batch.num_rows
            yield pa.RecordBatch.from_arrays(
                [
                    batch.column("doc_id"),
                    pa.repeat("none", n),
                    pa.repeat(0.0, n),
                    pa.repeat("manual_review", n),
                    no_top_classes(n),
                ],
                schema=SCORE_ARROW_SCHEMA,
            )

    frame = spark.read.parquet(case.features).select("doc_id", *case.inputs)
    frame.mapInArrow(constant, SCORE_SCHEMA).write.mode("overwrite").parquet(out)


def local_copy(uri: str, directory: Path) -> Path:
    """A local path holding the files of `uri`: itself on the local disk, else a copy."""
    import shutil

    from lockgate.storage.files import filesystem

    if uri.startswith("file://"):
        return Path(uri.removeprefix("file://"))
    fs, path = filesystem(uri)
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    root = path.rstrip("/")
    for name in fs.find(root):
        relative = name[len(root) :].lstrip("/")
        if relative.rsplit("/", 1)[-1].startswith(("_", ".")):  # _SUCCESS, checksums
            continue
        (directory / relative).parent.mkdir(parents=True, exist_ok=True)
        fs.get_file(name, str(directory / relative))
    return directory


def _loop(case: Case, features: Path, model_file: Path, out: Path, sampler_interval: float) -> dict:
    """The per-core ceiling, in its own process so that its memory is its own; `features` is
    a local copy of the case's."""
    model_file.write_bytes(case.model_bytes)
    library = {}
    if case.library is not None:
        library_file = model_file.with_name(f"{case.library_sha256}.so")
        library_file.write_bytes(case.library)
        library = {"library": str(library_file), "library_sha256": case.library_sha256}
    command = [
        sys.executable,
        "-m",
        "lockgate.tooling.bench.loop",
        str(features),
        str(model_file),
        str(out),
        json.dumps(
            {
                "inputs": list(case.inputs),
                "thresholds": case.thresholds,
                "batch": ARROW_BATCH,
                **library,
            }
        ),
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    with TreeSampler(process.pid, sampler_interval) as sampler:
        stdout, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"the predict_proba loop failed ({process.returncode})")
    figures = json.loads(stdout.strip().splitlines()[-1])
    return figures | {"peak": sampler.peak()}


def agreement(reference: str, other: str) -> dict:
    """How the scores at URI `other` differ from those at `reference`, row by row (joined on
    doc_id)."""
    from lockgate.storage import read_parquet

    columns = ["doc_id", "prediction", "confidence", "decision"]
    mine = read_parquet(reference, columns).set_index("doc_id").sort_index()
    theirs = read_parquet(other, columns).set_index("doc_id").sort_index()
    joined = mine.join(theirs, how="outer", lsuffix="_a", rsuffix="_b")
    missing = int(joined["prediction_a"].isna().sum() + joined["prediction_b"].isna().sum())
    both = joined.dropna()
    return {
        "rows": len(joined),
        "missing_rows": missing,
        "prediction_mismatches": int((both["prediction_a"] != both["prediction_b"]).sum()),
        "decision_mismatches": int((both["decision_a"] != both["decision_b"]).sum()),
        "max_confidence_difference": float(
            np.abs(both["confidence_a"] - both["confidence_b"]).max() if len(both) else 0.0
        ),
    }


def differs(agreement: dict) -> bool:
    """Whether an `agreement` found any row scored differently or missing."""
    return bool(
        agreement["missing_rows"]
        or agreement["prediction_mismatches"]
        or agreement["decision_mismatches"]
    )


def _run_side(spark, run, out: str, group: str, interval: float) -> tuple[float, dict]:
    """Seconds and peak MB of one run of a Spark side: this process's tree, plus on YARN the
    executors' own peaks (the jobs run under job group `group`)."""
    import os

    context = spark.sparkContext
    context.setJobGroup(group, group)
    with TreeSampler(os.getpid(), interval) as sampler:
        started = time.perf_counter()
        run(out)
        seconds = time.perf_counter() - started
    peak = sampler.peak()
    if context.master.startswith("yarn"):
        executors = job_group_peaks(spark, group)
        peak = {
            key: round(peak[key] + executors[key], 1)
            for key in ("total_mb", *(f"{role}_mb" for role in ROLES))
        }
        peak["executors"] = executors["executors"]
        if not executors["python_workers_mb"]:
            # Every Spark side runs Python, so none seen means that no poll of the executors
            # (SPARK_METRICS) fell inside its tasks: not observed, rather than zero.
            peak["python_workers_mb"] = None
    return seconds, peak


def bench_case(
    spark, case: Case, work: str, scratch: Path, repeats: int = 3, interval: float = 0.2
) -> dict:
    """Time every side on `case` (`repeats` alternating runs after a warm-up each) and compare
    their scores; figures are medians. Spark sides write under the URI `work`; the loop and
    the MLflow model use the local folder `scratch`."""
    import uuid

    scratch.mkdir(parents=True, exist_ok=True)
    model_dir = save_mlflow_model(spark, case, scratch / "mlflow-model")
    cores = spark.sparkContext.defaultParallelism
    spark_sides = {
        "lockgate": lambda out: _lockgate(spark, case, out),
        "mlflow_spark_udf": lambda out: _mlflow_udf(spark, case, model_dir, out),
        "spark_floor": lambda out: _spark_floor(spark, case, out),
    }
    if case.library is not None:
        spark_sides["lockgate_skops"] = lambda out: _lockgate(spark, case, out, compiled=False)
    for run in spark_sides.values():  # warm-up: Python workers started, models loaded
        run(f"{work}/warm-up")
    timings: dict[str, list[float]] = {side: [] for side in spark_sides}
    peaks: dict[str, list[dict]] = {side: [] for side in spark_sides}
    bench_id = uuid.uuid4().hex[:8]
    for repeat in range(repeats):
        for side, run in spark_sides.items():
            group = f"lockgate-bench-{bench_id}-{case.model}-{side}-{repeat}"
            seconds, peak = _run_side(spark, run, f"{work}/{side}", group, interval)
            timings[side].append(seconds)
            peaks[side].append(peak)
    features = local_copy(case.features, scratch / "features")
    loops = [
        _loop(case, features, scratch / "model.skops", scratch / "predict_proba_loop", interval)
        for _ in range(repeats)
    ]

    def figures(seconds: list[float], peak: list[dict]) -> dict:
        median = statistics.median(seconds)
        return {
            "seconds": [round(s, 2) for s in seconds],
            "rows_per_second": round(case.rows / median),
            "peak": {
                k: max((p[k] for p in peak if p[k] is not None), default=None) for k in peak[0]
            },
        }

    sides = {side: figures(timings[side], peaks[side]) for side in spark_sides}
    floor = sides.pop("spark_floor")
    sides["predict_proba_loop"] = figures([r["seconds"] for r in loops], [r["peak"] for r in loops])
    sides["predict_proba_loop"]["threads"] = max(r["threads"] for r in loops)
    ceiling = sides["predict_proba_loop"]["rows_per_second"] * cores
    ours = sides["lockgate"]["rows_per_second"]
    outputs = {
        side: f"{work}/{side}" for side in spark_sides if side not in ("lockgate", "spark_floor")
    } | {"predict_proba_loop": f"file://{(scratch / 'predict_proba_loop').resolve()}"}
    return {
        "model": case.model,
        "version": case.version,
        "inputs": list(case.inputs),
        "rows": case.rows,
        "cores": cores,
        "master": spark.sparkContext.master,
        "repeats": repeats,
        "sides": sides,
        "lockgate_vs_mlflow_spark_udf": round(
            ours / sides["mlflow_spark_udf"]["rows_per_second"], 2
        ),
        "lockgate_vs_ceiling_times_cores": round(ours / ceiling, 2),
        "spark_floor": floor,
        "compiled": case.library_sha256,
        "agreement": {side: agreement(f"{work}/lockgate", out) for side, out in outputs.items()},
    }


def cases(spark, settings, environment: str, run_date: str, rows: int, work: str) -> list[Case]:
    """One case per model of the release deployed in `environment`, on `rows` copies of the
    document features of `run_date`, written under the URI `work`."""
    from lockgate.pipeline.scoring import deployed_models
    from lockgate.registry import load_model
    from lockgate.storage import Layout
    from lockgate.storage.spark_io import read_partition
    from lockgate.training.features import document_features

    layout = Layout(settings.storage_root)
    _, models = deployed_models(settings, environment)
    features = document_features(
        read_partition(spark, layout.extracted, Layout.partition(run_date))
    )
    files = max(2, spark.sparkContext.defaultParallelism * 2)
    result = []
    for entry, data, library in models:
        inputs = entry.inputs
        path = f"{work}/features-{entry.name}-{rows}"
        written = replicate_features(spark, features, inputs, rows, path, files)
        classes = tuple(str(c) for c in load_model(data).classes_)
        result.append(
            Case(
                entry.name,
                str(entry.version),
                inputs,
                dict(entry.thresholds),
                classes,
                data,
                entry.artifact_sha256,
                path,
                written,
                library,
                entry.library_sha256,
            )
        )
    return result
