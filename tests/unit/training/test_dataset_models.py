"""Models over a delivered dataset: declared by a team's package through entry points only,
checked up front, snapshotted point in time from the ingested lake (an immature row left out
and counted in the manifest), split by time, and judged at the alert capacity."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest
from pyspark.sql import functions as F
from support import DISPUTES, PAYMENTS, RISK, forget_plugins, install_plugins

from lockgate.config import load_settings
from lockgate.models import (
    Derived,
    ModelSpec,
    Rolling,
    check_model,
)
from lockgate.models._fraud import SPEC as FRAUD
from lockgate.pipeline import StageRefused
from lockgate.storage import Layout

# Delivered payments by day: (id, account, amount, paid_at). The snapshot is as of 2026-11-04;
# its cut-off is 2026-11-05T00:00Z, and a payment's label matures 2 days after it.
DELIVERED = {
    "2026-11-01": [
        ("p1", "a", 10.0, "2026-11-01T10:00:00Z"),
        ("p2", "a", 30.0, "2026-11-01T10:30:00Z"),  # a's second within the day
        ("p3", "b", 5.0, "2026-11-01T12:00:00Z"),
    ],
    "2026-11-02": [
        ("p4", "a", 90.0, "2026-11-02T09:00:00Z"),
        ("p5", "b", 7.0, "2026-11-02T23:00:00Z"),
    ],
    "2026-11-03": [("p6", "a", 12.0, "2026-11-03T08:00:00Z")],  # matures 11-05 08:00: immature
    "2026-11-04": [("p7", "a", 11.0, "2026-11-04T07:00:00Z")],  # immature
    "2026-11-05": [
        ("p8", "a", 500.0, "2026-11-05T01:00:00Z"),  # after the snapshot's day
        ("p10", "c", 40.0, "2026-11-02T12:00:00Z"),  # before it, but delivered after it
    ],
}
RAISED = {
    "2026-11-02": [("d1", "p1", "2026-11-02T08:00:00Z")],  # within p1's horizon: disputed
    "2026-11-04": [("d2", "p4", "2026-11-04T05:00:00Z")],  # within p4's: disputed
    # Raised after p5's horizon (11-04 23:00) and after the snapshot's day: p5 stays accepted.
    "2026-11-05": [
        ("d3", "p5", "2026-11-05T10:00:00Z"),
        ("d4", "p7", "2026-11-05T11:00:00Z"),
        # Raised within p3's horizon, before the snapshot's day, but delivered after it: not
        # known on that day, so p3 stays accepted in the snapshot of 11-04.
        ("d5", "p3", "2026-11-03T06:00:00Z"),
    ],
}


@pytest.fixture
def team_package(tmp_path, monkeypatch):
    """A team's distribution declaring two datasets and a model on them, entry points only."""
    site = tmp_path / "site"
    install_plugins(
        site,
        {"payments": PAYMENTS, "disputes": DISPUTES, "payment_risk": RISK},
        groups={"payments": "lockgate.datasets", "disputes": "lockgate.datasets"},
    )
    forget_plugins()  # another test's declaration
    monkeypatch.syspath_prepend(str(site))
    home = tmp_path / "home"
    monkeypatch.setenv("LOCKGATE_HOME", str(home))
    yield Layout(load_settings("local", "test", home).storage_root)
    forget_plugins()


def _deliver(layout: Layout, dataset: str, day: str, text: str, name: str) -> None:
    folder = Path(layout.dataset_landing(dataset, day).removeprefix("file://"))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_a_snapshot_leaves_immature_rows_out_counts_them_and_never_sees_the_future(
    spark, team_package
):
    from lockgate.models import get_model
    from lockgate.pipeline.ingestion import ingest_delivery
    from lockgate.pipeline.training import build_training_snapshots
    from lockgate.storage import read_json

    layout = team_package
    assert check_model(get_model("payment_risk")) == []
    for day, rows in DELIVERED.items():
        lines = ["payment_id,account,amount,paid_at", *(",".join(map(str, r)) for r in rows)]
        _deliver(layout, "payments", day, "\n".join(lines) + "\n", "payments.csv")
        assert ingest_delivery(spark, layout, "payments", day)["ingested"] == len(rows)
    for day, rows in RAISED.items():
        text = "".join(
            json.dumps({"dispute_id": d, "payment_id": p, "raised_at": t}) + "\n"
            for d, p, t in rows
        )
        _deliver(layout, "disputes", day, text, "disputes.jsonl")
        assert ingest_delivery(spark, layout, "disputes", day)["ingested"] == len(rows)

    manifest = build_training_snapshots(spark, layout, "2026-11-04", ["payment_risk"])[
        "payment_risk"
    ]
    assert manifest == read_json(layout.training_set_manifest("payment_risk", "2026-11-04"))
    assert manifest["dataset"] == "payments" and manifest["label_dataset"] == "disputes"
    # p10 happened on 11-02 but was delivered on 11-05: not known on 11-04, not in it at all.
    assert manifest["rows"] == 5 and manifest["days"] == 2
    assert manifest["immature_rows"] == 2  # p6 and p7; p8 happened after the day, not counted
    assert manifest["label_counts"] == {"accepted": 3, "disputed": 2}
    assert manifest["columns"] == [
        "doc_id",
        "day",
        "amount",
        "account_payments_1d",
        "amount_to_usual",
        "label",
    ]
    snapshot = spark.read.parquet(layout.training_snapshot("payment_risk", manifest["snapshot"]))
    rows = {r["amount"]: r.asDict() for r in snapshot.collect()}
    assert {a: r["label"] for a, r in rows.items()} == {
        10.0: "disputed",
        30.0: "accepted",
        5.0: "accepted",
        90.0: "disputed",
        7.0: "accepted",  # its dispute was raised too late
    }
    assert rows[30.0]["account_payments_1d"] == 1.0  # p1, half an hour before
    assert rows[10.0]["account_payments_1d"] == 0.0  # nothing before it, itself not counted
    assert rows[90.0]["account_payments_1d"] == 2.0  # p1 and p2, both within the day before
    assert rows[90.0]["amount_to_usual"] == pytest.approx(90.0 / 20.0)  # p8's 500 unseen
    assert {r["day"] for r in rows.values()} == {"2026-11-01", "2026-11-02"}

    # The same lake as of a later day: the immature rows that matured are in, and a delivery
    # after that day still is not; the rows of the first snapshot did not change.
    later = build_training_snapshots(spark, layout, "2026-11-06", ["payment_risk"])["payment_risk"]
    assert later["rows"] == 8 and later["immature_rows"] == 1  # p10 is in now; p8 immature
    # d4, raised after the first snapshot's day, is within p7's horizon, and d5, delivered late,
    # within p3's: both known now.
    assert later["label_counts"] == {"accepted": 4, "disputed": 4}
    again = build_training_snapshots(spark, layout, "2026-11-04", ["payment_risk"])
    assert again["payment_risk"]["snapshot"] == manifest["snapshot"]


def test_a_model_on_a_dataset_with_nothing_ingested_is_refused_naming_the_job(spark, team_package):
    from lockgate.pipeline.training import build_training_snapshots

    with pytest.raises(FileNotFoundError, match="jobs/ingest_dataset.py --dataset payments"):
        build_training_snapshots(spark, team_package, "2026-11-04", ["payment_risk"])


def test_until_its_first_delivery_a_models_run_is_skipped_and_then_a_missing_day_is_refused(
    spark, team_package, monkeypatch
):
    """A model installed before its feed reaches this installation does not fail every run: its
    dataset's tasks do nothing and say so, its own are skipped. Once the first delivery is in,
    a day without one is refused."""
    from airflow.sdk.exceptions import AirflowSkipException

    import lockgate.pipeline.training as training
    from lockgate.ingestion import DeliveryRefused
    from lockgate.models import get_model
    from lockgate.orchestration.tasks import validate_training_set as task
    from lockgate.pipeline import AwaitingFirstDelivery
    from lockgate.pipeline.ingestion import ingest_delivery
    from lockgate.pipeline.onboarding import awaited_datasets, awaiting_first_delivery
    from lockgate.pipeline.validation import validate_delivery, validate_training_set
    from lockgate.storage import uri_exists

    layout, day = team_package, "2026-11-01"
    assert awaiting_first_delivery(layout, "payments", day)
    assert awaited_datasets(layout, "payment_risk", day) == ["payments", "disputes"]
    assert awaited_datasets(layout, "routing", day) == []  # the documents are extraction's
    said = ingest_delivery(spark, layout, "payments", day)
    assert said == {"dataset": "payments", "run_date": day, "awaiting_first_delivery": True}
    assert not uri_exists(layout.ingestion_manifest("payments", day))  # nothing written
    assert not uri_exists(layout.dataset("payments"))
    # A stray file where the manifests go (a write's leftover) is not a delivery.
    stray = Path(layout.ingestion_manifests("payments").removeprefix("file://"))
    stray.mkdir(parents=True)
    (stray / ".run_date=2026-10-01.json.tmp").write_text("{}")
    assert awaiting_first_delivery(layout, "payments", day)
    assert validate_delivery(layout, "payments", day)["awaiting_first_delivery"] is True
    with pytest.raises(AwaitingFirstDelivery, match="payment_risk reads payments, disputes"):
        validate_training_set(layout, "payment_risk", day)
    with pytest.raises(AirflowSkipException, match="not trained until its first delivery"):
        task.function("payment_risk", day)
    # Every model's snapshots (no list given) go on without it.
    monkeypatch.setattr(
        training, "registered_models", lambda: {"payment_risk": get_model("payment_risk")}
    )
    assert training.build_training_snapshots(spark, layout, day) == {}

    # The first delivery (an empty day's file is one too): from then on, a day without one is
    # an incident, refused.
    _deliver(layout, "payments", day, "payment_id,account,amount,paid_at\n", "payments.csv")
    assert not awaiting_first_delivery(layout, "payments", day)
    assert ingest_delivery(spark, layout, "payments", day)["received"] == 0
    assert not awaiting_first_delivery(layout, "payments", "2026-11-02")
    assert awaiting_first_delivery(layout, "payments", "2026-10-31")  # before the feed began
    with pytest.raises((DeliveryRefused, FileNotFoundError)):
        ingest_delivery(spark, layout, "payments", "2026-11-02")
    assert awaited_datasets(layout, "payment_risk", "2026-11-02") == ["disputes"]


def _broken(**changes) -> ModelSpec:
    return dataclasses.replace(FRAUD, **changes)


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"inputs": (*FRAUD.inputs, "balance")}, "inputs ['balance'] are neither columns"),
        (
            {"features": (Rolling("x", "sum", "fee", "1h", by="account_id"),), "inputs": ("x",)},
            "feature 'x' reads ['fee']",
        ),
        (
            {"features": (*FRAUD.features, Derived("amount", "amount * 2", ("amount",)))},
            "feature 'amount' takes the name of a column",
        ),
        (
            {"label_definition": dataclasses.replace(FRAUD.label_definition, dataset="refunds")},
            "the label is read from a dataset lockgate does not know",
        ),
        (
            {"label_definition": dataclasses.replace(FRAUD.label_definition, key="card_id")},
            "the label joins on 'card_id'",
        ),
        (
            {"gate": dataclasses.replace(FRAUD.gate, amount="value")},
            "the gate's amount 'value' is not a column",
        ),
        ({"dataset": "loans"}, "it reads a dataset lockgate does not know"),
        ({"label": "amount"}, "label 'amount' is a column or feature"),
        (
            {"features": (Derived("score", "amount", ("amount",)),), "inputs": ("score",)},
            "inputs ['score'] take the names of columns scoring writes",
        ),
    ],
)
def test_check_model_names_what_a_dataset_model_gets_wrong(changes, problem):
    assert check_model(FRAUD) == []
    found = check_model(_broken(**changes))
    assert any(problem in p for p in found), found


def test_a_model_on_a_dataset_without_a_label_definition_is_skipped_not_loaded(tmp_path):
    from lockgate.models import InvalidModel, _spec_of

    module = tmp_path / "no_label.py"
    module.write_text(
        "import dataclasses\nfrom lockgate.models._fraud import SPEC as FRAUD\n"
        "SPEC = dataclasses.replace(FRAUD, name='nolabel', label_definition=None)\n"
    )
    sys.path.insert(0, str(tmp_path))
    try:
        with pytest.raises(InvalidModel, match="sets no label_definition"):
            _spec_of("no_label")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("no_label", None)


def test_an_environment_cannot_set_a_per_class_threshold_on_an_alerting_gate(tmp_path):
    from lockgate.config import GateOverride

    policy = load_settings("local", "test", tmp_path / "home").policy
    policy = policy.model_copy(update={"gates": {"fraud": GateOverride(min_macro_f1=0.9)}})
    with pytest.raises(ValueError, match=r"sets \['min_macro_f1'\], which a CapacityGate"):
        policy.gate_for(FRAUD)
    policy = policy.model_copy(update={"gates": {"fraud": GateOverride(alerts_per_day=5)}})
    assert policy.gate_for(FRAUD) == dataclasses.replace(FRAUD.gate, alerts_per_day=5)


# The fraud model as a team would install one, by an entry point (it is held out of lockgate's
# own discovery until the demo's home holds transactions).
FRAUD_PLUGIN = "from lockgate.models._fraud import SPEC\n"
LOADED = "2026-10-29"  # the initial load: 90 days from 2026-08-01, delivered on the last
SCORED = "2026-10-30"  # the first daily delivery after it


@pytest.fixture(scope="module")
def fraud_home(spark, tmp_path_factory):
    """A home whose lake holds a generated 90-day initial load of card payments (4,000 a day)
    and their chargebacks, ingested, and the fraud model's snapshot as of its day; the next
    day's delivery is in the landing, not ingested."""
    from types import SimpleNamespace

    from lockgate.pipeline.ingestion import ingest_delivery
    from lockgate.pipeline.training import build_training_snapshots
    from lockgate.tooling.transactions import days, write_day

    root = tmp_path_factory.mktemp("fraud")
    install_plugins(root / "site", {"fraud": FRAUD_PLUGIN})
    forget_plugins()
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(root / "site"))
        patch.setenv("LOCKGATE_HOME", str(root / "home"))
        patch.setenv("LOCKGATE_PROFILE", "local")
        settings = load_settings("local", "test", root / "home")
        layout = Layout(settings.storage_root)
        landing = Path(layout.datasets_landing.removeprefix("file://"))
        population = {"accounts": 3000, "merchants": 1000}
        calendar = days("2026-08-01", 90)
        assert calendar[-1] == LOADED
        for day in calendar:
            write_day(landing, day, 4000, initial_load_on=LOADED, **population)
        write_day(landing, SCORED, 4000, **population)
        loads = {
            name: ingest_delivery(spark, layout, name, LOADED)
            for name in ("transactions", "chargebacks")
        }
        manifest = build_training_snapshots(spark, layout, LOADED, ["fraud"])["fraud"]
        frame = spark.read.parquet(
            layout.training_snapshot("fraud", manifest["snapshot"])
        ).toPandas()
        yield SimpleNamespace(
            settings=settings, layout=layout, loads=loads, manifest=manifest, frame=frame
        )
    forget_plugins()


def test_the_fraud_model_is_split_by_time_and_passes_its_gate_at_capacity(fraud_home):
    from lockgate.training.evaluation import apply_gate
    from lockgate.training.fit import split_snapshot, train_candidate

    frame, manifest, load = fraud_home.frame, fraud_home.manifest, fraud_home.loads
    # The initial load's damaged rows were quarantined, every other row kept.
    transactions = load["transactions"]
    assert transactions["ingested"] + transactions["quarantined"] == transactions["received"]
    assert transactions["quarantined"] > 0
    # Every payment kept is in the snapshot or counted immature: those of the last 60 days,
    # whose chargebacks may still come (a third of the 90 days matured).
    assert manifest["immature_rows"] + manifest["rows"] == transactions["ingested"]
    assert len(frame) == manifest["rows"]
    assert 0.6 < manifest["immature_rows"] / transactions["ingested"] < 0.7
    assert frame["day"].nunique() == manifest["days"] == 30
    share = (frame["label"] == "fraud").mean()
    assert 0.002 < share < 0.005, share
    splits = split_snapshot(frame, FRAUD)
    assert splits.train["day"].max() < splits.validation["day"].min()
    assert splits.validation["day"].max() < splits.test["day"].min()
    assert splits.test["day"].nunique() == 6  # a fifth of the 30 matured days
    trained = train_candidate(splits, FRAUD, dict(FRAUD.params), 7, FRAUD.gate)
    figures = trained.test.capacity
    assert figures["alerts"] == 6 * FRAUD.gate.alerts_per_day
    assert figures["auc"] > 0.9
    result = apply_gate(trained.test, FRAUD.gate)
    assert result.passed, result.explain()
    assert trained.thresholds == {}  # alerts are the day's best, not a cut


def test_the_fraud_gate_refuses_a_candidate_below_its_precision_floor_with_the_figures(
    fraud_home,
):
    from lockgate.training.evaluation import apply_gate
    from lockgate.training.fit import Splits, split_snapshot, train_candidate

    splits = split_snapshot(fraud_home.frame, FRAUD)
    # A candidate that learned nothing: trained on the labels shuffled.
    shuffled = splits.train.assign(
        label=np.random.default_rng(3).permutation(splits.train["label"].to_numpy())
    )
    trained = train_candidate(
        Splits(shuffled, splits.validation, splits.test), FRAUD, dict(FRAUD.params), 7, FRAUD.gate
    )
    result = apply_gate(trained.test, FRAUD.gate)
    assert not result.passed
    failed = {c.metric: c for c in result.checks if not c.passed}
    assert "precision_at_capacity" in failed
    figures = trained.test.capacity
    message = result.explain()
    assert (
        f"precision at capacity {figures['precision_at_capacity']:.3f} is below the floor "
        f"{FRAUD.gate.min_precision} (top {FRAUD.gate.alerts_per_day} a day over 6 days: "
        f"{figures['alerted_positives']} of {figures['alerts']} alerts were positive, of "
        f"{figures['positives']} positives; AUC "
    ) in message
    assert "does not make up for it" in message


def test_a_days_delivery_is_scored_with_features_from_its_past_and_the_best_alerted(
    spark, team_package
):
    import pandas as pd

    from lockgate.models import get_model
    from lockgate.pipeline.ingestion import ingest_delivery
    from lockgate.pipeline.scoring import ModelFiles, score_dataset_model
    from lockgate.release.bundle import BundledModel
    from lockgate.training.fit import fit_pipeline, model_to_bytes, sha256_hex

    layout = team_package
    # A payment of October 31 delivered late, with November 2's: scored that day like the others.
    late = ("p9", "a", 20.0, "2026-10-31T12:00:00Z")
    for day in ("2026-11-01", "2026-11-02", "2026-11-03"):
        rows = DELIVERED[day] + ([late] if day == "2026-11-02" else [])
        lines = ["payment_id,account,amount,paid_at", *(",".join(map(str, r)) for r in rows)]
        _deliver(layout, "payments", day, "\n".join(lines) + "\n", "payments.csv")
        ingest_delivery(spark, layout, "payments", day)
    spec = get_model("payment_risk")
    train = pd.DataFrame(
        {
            "amount": [10.0, 500.0, 12.0, 900.0],
            "account_payments_1d": [0.0, 3.0, 1.0, 2.0],
            "amount_to_usual": [1.0, 9.0, 1.1, 7.0],
            "label": ["accepted", "disputed", "accepted", "disputed"],
        }
    )
    model = model_to_bytes(fit_pipeline(spec, {}, 0, train))
    entry = BundledModel(
        name=spec.name,
        version="1",
        artifact_sha256=sha256_hex(model),
        snapshot_digest="-",
        inputs=spec.inputs,
        thresholds={},
        gate={"thresholds": {"alerts_per_day": 1}},
        canary_sha256="-",
        dataset="payments",
    )
    # A day whose delivery was not ingested is refused, not scored as an empty day.
    with pytest.raises(StageRefused, match="payments delivered on 2026-11-04, which was not ing"):
        score_dataset_model(
            spark, layout, ModelFiles(entry, model, None), "release-1", "2026-11-04"
        )
    scores, rows = score_dataset_model(
        spark, layout, ModelFiles(entry, model, None), "release-1", "2026-11-02"
    )
    got = {r["doc_id"]: r.asDict() for r in scores.collect()}
    assert rows == len(got) == 3  # p4, p5 and the late p9: the day's delivery, not its history
    # Their features as of each payment: p4 sees a's p1 and p2 in the day before it and p9, p1,
    # p2 in its 7 days (mean 20); p5 sees b's p3 only in its 7 days and nothing in the day
    # before it; p9 sees nothing before it (its ratio imputed); p6, delivered later, is unread.
    expected = pd.DataFrame(
        {
            "amount": [90.0, 7.0, 20.0],
            "account_payments_1d": [2.0, 0.0, 0.0],
            "amount_to_usual": [4.5, 1.4, np.nan],
        }
    )
    fitted = fit_pipeline(spec, {}, 0, train)
    proba = fitted.predict_proba(expected)[:, list(fitted.classes_).index("disputed")]
    ids = {hashlib.sha256(p.encode()).hexdigest(): i for i, p in enumerate(("p4", "p5", "p9"))}
    for doc_id, row in got.items():
        assert row["score"] == pytest.approx(proba[ids[doc_id]], abs=1e-12)
        assert row["score"] == next(
            c["probability"] for c in row["top_classes"] if c["label"] == "disputed"
        )
    # The inputs as scored travel with the scores (monitoring summarises them).
    p4 = got[hashlib.sha256(b"p4").hexdigest()]
    assert (p4["amount"], p4["account_payments_1d"], p4["amount_to_usual"]) == (90.0, 2.0, 4.5)
    best = max(got.values(), key=lambda r: r["score"])
    assert [r["decision"] for r in got.values()].count("alert") == 1  # the capacity: one a day
    assert best["decision"] == "alert"
    assert {(r["model"], r["model_version"], r["release_id"]) for r in got.values()} == {
        ("payment_risk", "1", "release-1")
    }
    # A release still naming the model once its package is gone: refused, saying why.
    forget_plugins()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "path", [p for p in sys.path if not Path(p, "team_models").is_dir()])
        with pytest.raises(StageRefused, match="no installed package declares the model payment_r"):
            score_dataset_model(
                spark, layout, ModelFiles(entry, model, None), "release-1", "2026-11-02"
            )


def test_the_fraud_model_is_registered_then_a_day_is_ingested_scored_alerted_and_monitored(
    spark, fraud_home
):
    """Below the DAGs, the path of a model on a dataset end to end: register (MLflow, with its
    card), ingest the next day, score it with alerts at the capacity, summarise and judge it."""
    from lockgate.pipeline.ingestion import ingest_delivery
    from lockgate.pipeline.monitoring import compute_statistics, judge_model
    from lockgate.pipeline.scoring import ModelFiles, score_dataset_model
    from lockgate.pipeline.training import train_and_register
    from lockgate.registry import fetch_verified_model
    from lockgate.release.bundle import BundledModel, build_bundle
    from lockgate.storage import read_json
    from lockgate.storage.spark_io import write_partition

    settings, layout = fraud_home.settings, fraud_home.layout
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOCKGATE_HOME", str(settings.home))
        patch.setenv("LOCKGATE_PROFILE", "local")
        patch.syspath_prepend(str(settings.home.parent / "site"))
        # The search runs on executors that do not see this test's plug-in: trained as given.
        record = train_and_register(
            spark, settings, layout, "fraud", LOADED, {"code_version": "test"}, dict(FRAUD.params)
        )
        assert record.metadata["gate"]["passed"], record.metadata["gate"]["explain"]
        assert record.metadata["data"]["dataset"] == "transactions"
        assert record.metadata["training"]["immature_rows"] == fraud_home.manifest["immature_rows"]
        assert record.metadata["capacity"]["alerts_per_day"] == FRAUD.gate.alerts_per_day

        day = ingest_delivery(spark, layout, "transactions", SCORED)
        assert day["ingested"] + day["quarantined"] == day["received"]
        entry = BundledModel.of_version(record)
        assert (entry.dataset, entry.alerting) == ("transactions", True)
        assert entry.as_dict()["dataset"] == "transactions"  # recorded in the release's bundle
        suites = build_bundle(settings, [record]).suites
        assert {"alerts", "training_set_on_dataset"} <= set(suites)
        model = fetch_verified_model(settings, "fraud", record.version, record.artifact_sha256)
        scores, rows = score_dataset_model(
            spark, layout, ModelFiles(entry, model, None), "release-1", SCORED
        )
        assert rows == day["ingested"]
        write_partition(
            scores.withColumn("run_date", F.lit(SCORED)),
            layout.scores("test", "fraud"),
            f"run_date={SCORED}",
            ["doc_id"],
            rows=rows,
        )
        written = spark.read.parquet(layout.scores("test", "fraud"))
        decisions = {
            r["decision"]: r["count"] for r in written.groupBy("decision").count().collect()
        }
        assert decisions == {
            "alert": FRAUD.gate.alerts_per_day,
            "pass": rows - FRAUD.gate.alerts_per_day,
        }

        assert compute_statistics(spark, settings, "test", SCORED, SCORED) == {"fraud": [SCORED]}
        summary = read_json(layout.monitoring("test", "fraud", SCORED, "statistics"))
        assert summary["rows"] == rows
        assert {f["name"] for f in summary["features"]} >= {*FRAUD.inputs, "decision"}
        report = judge_model(settings, "test", "fraud", [SCORED])
        assert report["judged"] and report["days"] == [SCORED]
