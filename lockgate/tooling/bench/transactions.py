"""The fraud use case at scale: a day of card transactions (1,000,000 by default) ingested
and scored on this machine, with the time and the peak memory of each step.

In a home of its own: a 90-day initial load of the `transactions` and `chargebacks` datasets
(generated, `lockgate transactions --initial-load`) is ingested, the fraud model is trained
on its matured rows as the training job does (point-in-time snapshot, time split, capacity
gate), and the next day's delivery of `rows` transactions is then ingested and scored as the
scoring job does (`lockgate.pipeline.scoring.score_dataset_model`), its scores written as a
partition. The model is used as trained, not through a release: the bench measures the data
path, not change management. The generator is ours: the figures say how fast lockgate moves
this shape of table, not how well it finds a bank's fraud.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

HISTORY_DAYS = 90
HISTORY_ROWS = 20_000  # a day of the history
ACCOUNTS = 250_000


def _timed(step: Callable[[], object]) -> tuple[object, dict]:
    """`step()`'s result, and its seconds and peak MB (this process and its JVM and Python
    workers, sampled)."""
    from lockgate.tooling.bench.measure import TreeSampler

    with TreeSampler(os.getpid(), 0.1) as sampler:
        clock = time.perf_counter()
        result = step()
        seconds = time.perf_counter() - clock
    return result, {"seconds": round(seconds, 1), "peak": sampler.peak()}


def fraud_at_scale(root: Path, run_date: str, rows: int, say: Callable[[str], None]) -> dict:
    """The figures of ingesting and scoring `rows` transactions delivered on `run_date`."""
    from lockgate.config import load_settings
    from lockgate.datasets import get_dataset
    from lockgate.models import _fraud
    from lockgate.pipeline.ingestion import ingest_delivery
    from lockgate.pipeline.scoring import ModelFiles, score_dataset_model
    from lockgate.release.bundle import BundledModel
    from lockgate.spark import build_session
    from lockgate.storage import Layout
    from lockgate.storage.spark_io import write_partition
    from lockgate.tooling.transactions import days, write_day
    from lockgate.training.dataset import dataset_snapshot
    from lockgate.training.fit import model_to_bytes, sha256_hex, split_snapshot, train_candidate
    from lockgate.training.pointintime import longest_window

    spec = _fraud.SPEC
    home = root / "home"
    layout = Layout(load_settings("local", "test", home).storage_root)
    landing = Path(layout.datasets_landing.removeprefix("file://"))
    loaded = (date.fromisoformat(run_date) - timedelta(days=1)).isoformat()
    first = (date.fromisoformat(loaded) - timedelta(days=HISTORY_DAYS - 1)).isoformat()
    say(f"== fraud: a {HISTORY_DAYS}-day initial load of {HISTORY_ROWS:,} transactions a day")
    options = {"accounts": ACCOUNTS, "merchants": ACCOUNTS // 10, "broken_share": 0.002}
    for day in days(first, HISTORY_DAYS):
        write_day(landing, day, HISTORY_ROWS, initial_load_on=loaded, **options)
    _, generated = _timed(lambda: write_day(landing, run_date, rows, **options))
    spark = build_session("lockgate-bench-fraud", master="local[*]")
    history = {
        name: ingest_delivery(spark, layout, name, loaded)["ingested"]
        for name in ("transactions", "chargebacks")
    }
    say(f"   loaded {history}; training the fraud model on its matured rows")
    transactions = get_dataset("transactions")

    def train():
        snapshot, _ = dataset_snapshot(
            spark.read.parquet(layout.dataset("transactions")),
            spark.read.parquet(layout.dataset("chargebacks")),
            spec,
            transactions.key,
            transactions.event_time,
            loaded,
        )
        splits = split_snapshot(snapshot.toPandas(), spec)
        return train_candidate(splits, spec, dict(spec.params), 7, spec.gate)

    trained, training = _timed(train)
    model = model_to_bytes(trained.estimator)
    say(f"== fraud: a day of {rows:,} transactions ingested and scored")
    ingested, ingest = _timed(lambda: ingest_delivery(spark, layout, "transactions", run_date))
    say(f"   ingested in {ingest['seconds']} s, peak {ingest['peak']['total_mb']:,.0f} MB")
    entry = BundledModel(
        name=spec.name,
        version="bench",
        artifact_sha256=sha256_hex(model),
        snapshot_digest="-",
        inputs=spec.inputs,
        thresholds=trained.thresholds,
        gate={"thresholds": {"alerts_per_day": spec.gate.alerts_per_day}},
        canary_sha256="-",
    )

    def score():
        scores, delivered = score_dataset_model(
            spark, layout, ModelFiles(entry, model, None), "bench", run_date, spec
        )
        uri = f"{layout.root}/bench_scores/{spec.name}"
        write_partition(scores, uri, f"run_date={run_date}", ["doc_id"], rows=delivered)
        alerts = spark.read.parquet(f"{uri}/run_date={run_date}").where("decision = 'alert'")
        return delivered, alerts.count()

    (scored, alerts), scoring = _timed(score)
    say(f"   scored in {scoring['seconds']} s, peak {scoring['peak']['total_mb']:,.0f} MB")
    spark.stop()
    return {
        "rows": rows,
        "history": {"days": HISTORY_DAYS, "rows_per_day": HISTORY_ROWS, "ingested": history},
        "generate": generated,
        "training": training
        | {
            "train_rows": trained.train_rows,
            "test": {k: trained.test.capacity.get(k) for k in ("precision_at_capacity", "auc")},
        },
        "ingest": ingest
        | {k: ingested[k] for k in ("received", "ingested", "duplicates", "quarantined")},
        "score": scoring
        | {"rows": scored, "alerts": alerts, "window_days": longest_window(spec.features) / 86_400},
    }
