"""Monitoring end to end: two months scored in prod after the story, judged against the training
reference stored with each model version; the lockgate_monitor DAG's alert, e-mail and asset.

What the shifted month changes, and so what must be flagged -- no more, no less:
* language (60% German instead of 15%) and sender_domain (six firms never seen in training):
  document attributes both models watch;
* routing's prediction (complaints and KYC surge), and with it routing's confidence: the model
  is less sure of a German letter and of the departments it saw least (PSI 0.41 measured).
  Its decision moves too (more manual review) but less: PSI 0.19 measured, under the 0.2 that
  makes a move drift, though significant -- so it is expected NOT to be flagged;
* urgency's outputs do not move: it reads amounts, identifiers and dates, which the shift
  leaves alone, as it leaves the file formats alone.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import DAYS, PER_DAY, SHIFTED, USUAL
from support import BIN, SmtpSink, run

pytestmark = pytest.mark.integration

EXPECTED = {
    "routing": {"language", "sender_domain", "prediction", "confidence"},
    "urgency": {"language", "sender_domain"},
}


def _monitor(env, first: str, last: str):
    return run(
        [
            str(BIN / "lockgate"),
            "monitor",
            "run",
            "--environment",
            "prod",
            "--from",
            first,
            "--to",
            last,
            "--json",
        ],
        env,
        check=False,
    )


def _summary(result) -> dict:
    assert result.returncode in (0, 1), result.stderr[-3000:]
    return json.loads(result.stdout[result.stdout.index("{") :])


def _report(env, model: str, day: str) -> dict:
    path = (
        Path(env["LOCKGATE_HOME"])
        / "lake"
        / "monitoring"
        / "prod"
        / model
        / f"run_date={day}"
        / "drift.json"
    )
    return json.loads(path.read_text())


@pytest.fixture(scope="module")
def usual(monitored_months):
    """`lockgate monitor run` over the usual month: (its exit code, its JSON summary)."""
    result = _monitor(monitored_months, *USUAL)
    return result, _summary(result)


@pytest.fixture(scope="module")
def shifted(monitored_months):
    result = _monitor(monitored_months, *SHIFTED)
    return result, _summary(result)


def test_a_usual_month_raises_nothing(monitored_months, usual):
    env = monitored_months
    result, summary = usual
    assert result.returncode == 0, summary["message"]
    assert set(summary["models"]) == set(EXPECTED)
    for model, verdict in summary["models"].items():
        assert verdict["judged"], verdict
        # About PER_DAY a day, less the quarantined.
        assert verdict["rows"] >= DAYS * PER_DAY * 0.8, verdict
        assert verdict["drifted"] == [], (model, _report(env, model, USUAL[1])["features"])
    assert summary["anomalies"] == []
    assert summary["breach"] is False


def test_a_shifted_month_flags_exactly_the_drifted_features(monitored_months, shifted):
    env = monitored_months
    result, summary = shifted
    assert result.returncode == 1
    flagged = {model: set(m["drifted"]) for model, m in summary["models"].items()}
    reports = {m: _report(env, m, SHIFTED[1]) for m in EXPECTED}
    assert flagged == EXPECTED, {m: r["features"] for m, r in reports.items()}
    for model, report in reports.items():
        by_name = {v["name"]: v for v in report["features"]}
        for name in EXPECTED[model]:
            assert by_name[name]["psi"] >= report["thresholds"]["psi"]
            assert by_name[name]["p_value"] < report["thresholds"]["p_value"]
        # New firms land in "(other)": the buckets that moved say so.
        assert "(other)" in {m["bucket"] for m in by_name["sender_domain"]["moved"]}
        assert len(report["daily"]) == DAYS
    assert summary["anomalies"] == []
    for model in EXPECTED:
        assert f"{model} v" in summary["message"]


def test_report_reads_the_per_day_table_from_the_cli(monitored_months, shifted):
    env = monitored_months
    out = run(
        [
            str(BIN / "lockgate"),
            "monitor",
            "report",
            "--environment",
            "prod",
            "--model",
            "routing",
            "--days",
            "5",
        ],
        env,
    ).stdout
    assert "routing v" in out and f"{SHIFTED[0]}..{SHIFTED[1]}" in out
    assert "DRIFTED" in out and "PSI per day" in out
    days = [line.split()[0] for line in out.splitlines() if line.startswith("   20")]
    assert days == ["2027-01-25", "2027-01-26", "2027-01-27", "2027-01-28", "2027-01-29"]


def test_monitor_dag_fails_emails_and_publishes_the_drift_asset(monitored_months, shifted):
    env = monitored_months
    day = SHIFTED[1]
    before = _drift_events(env)
    # The retraining DAG, scheduled on the asset, known to Airflow and switched on, as an
    # operator would leave it: the drift event must queue a run of it (the scheduler test in
    # test_ui_browser.py then has the scheduler run it).
    run([str(BIN / "lockgate"), "airflow", "dags", "reserialize"], env)
    run([str(BIN / "lockgate"), "airflow", "dags", "unpause", "lockgate_retrain"], env)
    with SmtpSink() as sink:
        smtp = sink.airflow
        result = run(
            [
                str(BIN / "lockgate"),
                "airflow",
                "dags",
                "test",
                "lockgate_monitor",
                day,
                "-c",
                json.dumps({"environment": "prod"}),
            ],
            env | smtp,
            check=False,
        )
    state = run(
        [str(BIN / "lockgate"), "airflow", "dags", "state", "lockgate_monitor", day], env
    ).stdout
    assert "failed" in state, result.stdout[-3000:]
    log = result.stdout + result.stderr
    assert "monitoring breach" in log and "routing v" in log
    assert len(sink.messages) == 1, log[-3000:]
    message = sink.messages[0]
    assert message["To"] == "ml-platform@lockgate.example"
    subject = message["Subject"]
    assert subject.startswith(f"[lockgate] prod {day}: drift in ")
    # The DAG judges its last 7 days (504 documents), not the month: the e-mail names what that
    # judgement flagged, model by model, and the injected shift is always among it.
    run_summary = json.loads(
        (
            Path(env["LOCKGATE_HOME"])
            / "lake"
            / "monitoring"
            / "prod"
            / "_runs"
            / f"run_date={day}.json"
        ).read_text()
    )
    assert run_summary["from"] == "2027-01-23" and run_summary["breach"]
    for model in EXPECTED:
        drifted = run_summary["models"][model]["drifted"]
        assert f"{model} ({', '.join(drifted)})" in subject
        assert {"language", "sender_domain"} <= set(drifted)
    events = _drift_events(env)
    assert len(events) == len(before) + 1
    assert "lockgate_retrain" in _queued_for_the_drift_asset(env)
    extra = json.loads(events[-1])
    assert extra["run_date"] == day and extra["environment"] == "prod"
    assert extra["drifted"] == {
        m: v["drifted"] for m, v in run_summary["models"].items() if v["drifted"]
    }


def _drift_events(env) -> list[str]:
    """The extra of every `lockgate_drift` event in the Airflow metadata DB, oldest first."""
    db = Path(env["LOCKGATE_HOME"]) / "airflow" / "airflow.db"
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        if "asset_event" not in tables:
            return []
        rows = conn.execute(
            "SELECT e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id "
            "WHERE a.name = 'lockgate_drift' ORDER BY e.id"
        ).fetchall()
    return [r[0] for r in rows]


def _queued_for_the_drift_asset(env) -> list[str]:
    """The DAGs Airflow has queued a run of because `lockgate_drift` was updated."""
    db = Path(env["LOCKGATE_HOME"]) / "airflow" / "airflow.db"
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT q.target_dag_id FROM asset_dag_run_queue q JOIN asset a ON a.id = q.asset_id "
            "WHERE a.name = 'lockgate_drift'"
        ).fetchall()
    return [r[0] for r in rows]
