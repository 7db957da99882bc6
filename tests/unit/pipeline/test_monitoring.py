"""Monitoring: the one-pass summary on Spark, drift verdicts, the judged window, day anomalies,
alerts, and the corpus mix the integration suite shifts."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pyspark.sql import functions as F

from lockgate.monitoring import drift
from lockgate.monitoring.profile import (
    Feature,
    finish_summary,
    merge_summaries,
    rows_of,
    summarise_frame,
    summarise_table,
)
from lockgate.monitoring.statistics import reference_edges
from lockgate.pipeline import monitoring as stage
from lockgate.storage import Layout, read_json, write_json_atomic

NUMERIC = [f"x{i}" for i in range(10)]
CATEGORICAL = ["c0", "c1", "c2", "c3"]


def test_a_million_rows_are_summarised_in_one_job_of_one_stage(spark):
    """14 features of 1,000,000 rows: one Spark job with one stage reads every row once, and
    every figure equals Spark's own aggregate over the same rows."""
    rows = 1_000_000
    frame = (
        spark.range(rows, numPartitions=4)
        .select(
            F.lit("2026-12-01").alias("run_date"),
            *[(F.rand(seed=i) * (i + 1) * 10 - 5).alias(f"x{i}") for i in range(9)],
            F.when(F.col("id") % 50 == 0, None).otherwise(F.randn(seed=99) * 3 + 7).alias("x9"),
            *[(F.col("id") % (3 + 4 * i)).cast("string").alias(f"c{i}") for i in range(3)],
            F.when(F.col("id") % 7 == 0, None).otherwise(F.lit("eml")).alias("c3"),
        )
        .persist()
    )
    frame.count()
    edges = (-1.0, 0.0, 2.5, 10.0, 40.0)
    features = [Feature(n, "numeric", "input", edges) for n in NUMERIC]
    features += [Feature(n, "categorical", "document") for n in CATEGORICAL]

    tracker = spark.sparkContext.statusTracker()
    spark.sparkContext.setJobGroup("monitor-one-pass", "summarise 1M rows")
    summaries = summarise_frame(frame, features, "run_date")
    spark.sparkContext.setJobGroup("other", "checks")
    jobs = tracker.getJobIdsForGroup("monitor-one-pass")
    assert len(jobs) == 1
    assert len(tracker.getJobInfo(jobs[0]).stageIds) == 1

    summary = summaries["2026-12-01"]
    assert rows_of(summary) == rows
    figures = finish_summary(features, summary)
    aggregates = frame.agg(
        *[F.count(n).alias(f"{n}_count") for n in NUMERIC],
        *[F.mean(n).alias(f"{n}_mean") for n in NUMERIC],
        *[F.var_pop(n).alias(f"{n}_var") for n in NUMERIC],
        *[F.min(n).alias(f"{n}_min") for n in NUMERIC],
        *[F.max(n).alias(f"{n}_max") for n in NUMERIC],
        *[F.percentile_approx(n, 0.5, 100_000).alias(f"{n}_median") for n in NUMERIC],
        *[F.sum(F.when(F.col(n) < edges[0], 1).otherwise(0)).alias(f"{n}_below") for n in NUMERIC],
    ).first()
    for n in NUMERIC:
        moments = figures[n]["moments"]
        assert moments["count"] == aggregates[f"{n}_count"]
        assert figures[n]["nulls"]["nulls"] == rows - aggregates[f"{n}_count"]
        assert moments["mean"] == pytest.approx(aggregates[f"{n}_mean"], rel=1e-9, abs=1e-9)
        assert moments["variance"] == pytest.approx(aggregates[f"{n}_var"], rel=1e-9)
        assert (moments["min"], moments["max"]) == (aggregates[f"{n}_min"], aggregates[f"{n}_max"])
        assert figures[n]["histogram"]["counts"][0] == aggregates[f"{n}_below"]
        assert sum(figures[n]["histogram"]["counts"]) == aggregates[f"{n}_count"]
        median = figures[n]["sketch"]["quantiles"]["0.5"]
        # The sketch is within 1% of the value at the median's rank; percentile_approx (1e-5
        # of rank error) can sit a few ranks away, which matters only near zero.
        assert median == pytest.approx(aggregates[f"{n}_median"], rel=0.011, abs=1e-3)
    for n in CATEGORICAL:
        expected = {r[n]: r["count"] for r in frame.groupBy(n).count().collect()}
        assert figures[n]["nulls"]["nulls"] == expected.pop(None, 0)
        assert figures[n]["frequencies"]["counts"] == expected
    frame.unpersist()


def test_summaries_are_kept_apart_by_group_and_merge_to_the_whole(spark):
    data = pd.DataFrame(
        {
            "run_date": ["d1"] * 300 + ["d2"] * 200,
            "v": np.linspace(0, 10, 500),
            "c": ["a", "b"] * 250,
        }
    )
    features = [Feature("v", "numeric", "input", (2.0, 5.0)), Feature("c", "categorical", "input")]
    by_day = summarise_frame(spark.createDataFrame(data).repartition(3), features, "run_date")
    assert {d: rows_of(s) for d, s in by_day.items()} == {"d1": 300, "d2": 200}
    whole = summarise_table(features, pa.Table.from_pandas(data))
    merged = merge_summaries(features, by_day["d1"], by_day["d2"])
    assert finish_summary(features, merged)["c"] == finish_summary(features, whole)["c"]
    assert merged["v"]["histogram"] == whole["v"]["histogram"]


def _feature_states(kind, values, edges=()):
    feature = Feature("f", kind, "input", edges)
    column = pa.array(values, type=pa.float64() if kind == "numeric" else pa.string())
    return feature, summarise_table([feature], pa.table({"f": column}))["f"]


def test_same_distribution_does_not_drift_and_a_shifted_one_does():
    rng = np.random.default_rng(3)
    reference = rng.normal(0, 1, 2000)
    edges = reference_edges(reference)
    feature, ref = _feature_states("numeric", reference, edges)
    _, same = _feature_states("numeric", rng.normal(0, 1, 1000), edges)
    _, moved = _feature_states("numeric", rng.normal(0.8, 1, 1000), edges)
    calm = drift.feature_drift(feature.to_dict(), ref, same, 0.2, 0.01)
    shifted = drift.feature_drift(feature.to_dict(), ref, moved, 0.2, 0.01)
    assert not calm["drifted"] and calm["psi"] < 0.1
    assert shifted["drifted"] and shifted["psi"] > 0.2 and shifted["p_value"] < 1e-6


def test_a_large_psi_on_few_rows_is_not_called_drift():
    """PSI alone would flag noise on a handful of rows; the chi-square test holds it back."""
    reference = ["en"] * 60 + ["fr"] * 20 + ["de"] * 20
    feature, ref = _feature_states("categorical", reference)
    _, few = _feature_states("categorical", ["de", "de", "fr", "en"])
    verdict = drift.feature_drift(feature.to_dict(), ref, few, 0.2, 0.01)
    assert verdict["psi"] >= 0.2 and not verdict["drifted"]


def test_unseen_categories_and_missing_values_have_their_own_buckets():
    reference = ["a.com"] * 40 + ["b.com"] * 40 + [None] * 20
    feature, ref = _feature_states("categorical", reference)
    _, new = _feature_states("categorical", ["z.com"] * 50 + ["a.com"] * 10 + [None] * 40)
    labels, ref_counts, cur_counts = drift.buckets(feature.to_dict(), ref, new)
    assert labels == ["a.com", "b.com", drift.OTHER, drift.MISSING]
    assert ref_counts == [40, 40, 0, 20] and cur_counts == [10, 0, 50, 40]
    verdict = drift.feature_drift(feature.to_dict(), ref, new, 0.2, 0.01)
    assert verdict["drifted"] and verdict["moved"][0]["bucket"] == drift.OTHER


@pytest.fixture
def lake(tmp_path, monkeypatch):
    """Local settings on a temporary home, and a model version whose reference we make."""
    from lockgate.config import load_settings

    settings = load_settings("local", "prod", tmp_path)
    monkeypatch.setattr(stage, "registered_models", lambda: {"m": None})
    return settings, Layout(settings.storage_root)


def _store_day(layout, day, values, version="1"):
    feature = Feature("f", "categorical", "input")
    summary = summarise_table([feature], pa.table({"f": pa.array(values, pa.string())}))
    write_json_atomic(
        layout.monitoring("prod", "m", day, "statistics"),
        {
            "model": "m",
            "version": version,
            "run_date": day,
            "rows": len(values),
            "features": [feature.to_dict()],
            "summary": summary,
        },
    )


def test_training_days_are_named_and_left_out_of_the_judgement(lake, monkeypatch):
    settings, layout = lake
    feature = Feature("f", "categorical", "input")
    reference = {
        "trained_up_to": "2026-12-02",
        "documents": 400,
        "held_out_rows": 100,
        "features": [feature.to_dict()],
        "summary": summarise_table([feature], pa.table({"f": ["x"] * 200 + ["y"] * 200})),
    }
    monkeypatch.setattr(stage, "_version_reference", lambda *a: reference)
    _store_day(layout, "2026-12-01", ["x"] * 150)  # the training data itself: all "x"
    _store_day(layout, "2026-12-02", ["x"] * 150)
    for day in ("2026-12-03", "2026-12-04"):
        _store_day(layout, day, ["x"] * 60 + ["y"] * 60)
    summary = stage.judge(settings, "prod", "2026-12-01", "2026-12-04")
    verdict = summary["models"]["m"]
    assert verdict["training_days"] == ["2026-12-01", "2026-12-02"]
    assert verdict["rows"] == 240 and verdict["judged"] and verdict["drifted"] == []
    assert summary["breach"] is False and summary["message"] == ""
    report = read_json(layout.monitoring("prod", "m", "2026-12-04", "drift"))
    assert [d["run_date"] for d in report["daily"]] == ["2026-12-03", "2026-12-04"]

    _store_day(layout, "2026-12-05", ["y"] * 200)
    later = stage.judge(settings, "prod", "2026-12-05", "2026-12-05")
    assert later["models"]["m"]["drifted"] == ["f"] and later["breach"]
    assert "m v1 drifted in prod (2026-12-05..2026-12-05, 200 documents): f" in later["message"]


def test_too_few_rows_are_not_judged(lake, monkeypatch):
    settings, layout = lake
    feature = Feature("f", "categorical", "input")
    reference = {
        "trained_up_to": "2026-11-20",
        "documents": 10,
        "held_out_rows": 4,
        "features": [feature.to_dict()],
        "summary": summarise_table([feature], pa.table({"f": ["x"] * 10})),
    }
    monkeypatch.setattr(stage, "_version_reference", lambda *a: reference)
    _store_day(layout, "2026-12-01", ["y"] * 30)
    verdict = stage.judge(settings, "prod", "2026-12-01", "2026-12-01")["models"]["m"]
    assert not verdict["judged"] and "fewer than min_rows=100" in verdict["reason"]


def test_volume_and_quarantine_anomalies_per_day(lake):
    settings, layout = lake
    days = {f"2026-12-{d:02d}": (40, 1) for d in range(1, 11)}
    days["2026-12-08"] = (130, 2)  # three times the usual volume
    days["2026-12-09"] = (40, 14)  # 35% quarantined
    days["2026-12-10"] = (40, 4)  # 10%: at the maximum, not above it significantly
    for day, (received, quarantined) in days.items():
        write_json_atomic(
            layout.extraction_manifest(day), {"received": received, "quarantined": quarantined}
        )
    anomalies = stage.day_anomalies(settings, sorted(days))
    assert [(a["run_date"], a["kind"]) for a in anomalies] == [
        ("2026-12-08", "volume"),
        ("2026-12-09", "quarantine"),
    ]
    assert "130 documents received; the median of the 7 days before is 40" in anomalies[0]["detail"]


def test_alert_subject_names_each_models_drifted_features_and_the_anomalies():
    from lockgate.orchestration.alerts import alert_subject, drift_event

    summary = {
        "environment": "prod",
        "from": "2027-01-23",
        "to": "2027-01-29",
        "models": {
            "routing": {"version": "2", "drifted": ["language", "prediction"]},
            "urgency": {"version": "1", "drifted": []},
        },
        "anomalies": [{"run_date": "2027-01-29", "kind": "volume", "detail": ""}],
    }
    assert alert_subject(summary) == (
        "[lockgate] prod 2027-01-29: drift in routing (language, prediction), volume anomaly"
    )

    class Event:
        extra: dict = {}

    event = Event()
    assert drift_event(summary, event)["drifted"] == {"routing": ["language", "prediction"]}
    assert event.extra["versions"] == {"routing": "2"}
    from airflow.sdk.exceptions import AirflowSkipException

    summary["models"]["routing"]["drifted"] = []
    with pytest.raises(AirflowSkipException):
        drift_event(summary, Event())


def test_a_retraining_request_takes_the_latest_day_and_every_registered_model_named():
    from airflow.sdk.exceptions import AirflowFailException

    from lockgate.orchestration.alerts import retraining_request

    models = ["routing", "urgency"]
    events = [
        {"run_date": "2027-01-28", "drifted": {"routing": ["language"]}},
        {"run_date": "2027-01-29", "drifted": {"urgency": ["amount"], "gone": ["x"]}},
    ]
    request = retraining_request(events, {"run_date": None, "models": []}, models)
    assert request["run_date"] == "2027-01-29"
    assert request["models"] == ["routing", "urgency"]
    assert request["not_registered"] == ["gone"]
    # By hand: the params; an event, when there is one, wins over them.
    by_hand = retraining_request([], {"run_date": "2026-12-01", "models": ["urgency"]}, models)
    assert (by_hand["run_date"], by_hand["models"]) == ("2026-12-01", ["urgency"])
    assert retraining_request(
        events[:1], {"run_date": "2026-12-01", "models": ["urgency"]}, models
    )["models"] == ["routing"]
    with pytest.raises(AirflowFailException, match="no lockgate_drift event triggered this run"):
        retraining_request([], {"run_date": None, "models": []}, models)
    with pytest.raises(AirflowFailException, match="named no registered model: gone"):
        retraining_request([{"run_date": "2027-01-29", "drifted": {"gone": ["x"]}}], {}, models)


def test_a_refusal_fails_the_run_with_each_model_and_its_reason():
    from airflow.sdk.exceptions import AirflowFailException

    from lockgate.orchestration.tasks import report_refusals

    check = report_refusals.function
    assert check({"status": "deployed", "refused": {}}) == (
        "every model trained in this run passed its gate"
    )
    refused = {"routing": "v3: precision[kyc]: 70 of 80 ... below 0.95", "urgency": "v2: worse"}
    with pytest.raises(AirflowFailException) as failed:
        check({"status": "deployed", "refused": refused})
    assert str(failed.value) == (
        "refused by its gate, so test keeps the version it had: routing v3: precision[kyc]: "
        "70 of 80 ... below 0.95; urgency v2: worse"
    )


def test_corpus_mix_shifts_languages_and_senders(tmp_path):
    from lockgate.tooling.corpus import CorpusMix, generate_corpus

    with pytest.raises(ValueError, match="klingon"):
        CorpusMix.from_dict({"languages": {"klingon": 1}})
    mix = CorpusMix.from_dict({"languages": {"de": 1}, "correspondents": ["new-firm.de"]})
    summary = generate_corpus(
        tmp_path / "l", tmp_path / "t", "2026-12-01", 40, mix=mix, broken_share=0.0
    )
    assert set(summary.by_language) == {"de"}
    truth = [json.loads(line) for line in (tmp_path / "t" / "ground_truth.jsonl").open()]
    emails = {e["normalized"] for t in truth for e in t["entities"] if e["type"] == "EMAIL"}
    assert emails and all(e.endswith("@new-firm.de") for e in emails)
