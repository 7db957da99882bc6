"""The sample card transactions: deterministic, about 0.3% fraud with the patterns fraud teams
know, each fraud charged back 10 to 60 days later, and damaged rows the ingestion quarantines
one for one."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from lockgate.tooling.transactions import chargebacks_of, transactions_of_day, write_day


def _digest(root: Path) -> str:
    files = sorted(p for p in root.rglob("*.csv"))
    return hashlib.sha256(b"".join(p.name.encode() + p.read_bytes() for p in files)).hexdigest()


def test_a_day_is_the_same_for_the_same_seed_and_another_for_another(tmp_path):
    write_day(tmp_path / "a", "2026-11-20", 2_000)
    write_day(tmp_path / "b", "2026-11-20", 2_000)
    write_day(tmp_path / "c", "2026-11-20", 2_000, seed=8)
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") != _digest(tmp_path / "c")


def test_fraud_is_rare_has_its_patterns_and_is_charged_back_late():
    columns, fraud = transactions_of_day("2026-11-20", 200_000)
    share = fraud.mean()
    assert 0.002 < share < 0.0045, share
    online = columns["channel"] == "online"
    assert online[fraud].mean() > 2 * online[~fraud].mean()
    abroad = columns["merchant_country"] != columns["home_country"]
    assert abroad[fraud].mean() > 2 * abroad[~fraud].mean()
    assert np.median(columns["amount"][fraud]) > 3 * np.median(columns["amount"][~fraud])
    chargebacks = chargebacks_of("2026-11-20", columns, fraud, seed=7)
    booked = dict(zip(columns["txn_id"], columns["booked_at"], strict=True))
    frauds = set(columns["txn_id"][fraud])
    assert {c["txn_id"] for c in chargebacks if c["reason"] == "fraud"} == frauds
    for c in chargebacks:
        reported = datetime.fromisoformat(c["reported_at"].replace("Z", "+00:00"))
        lag = reported.replace(tzinfo=None) - booked[c["txn_id"]].astype(datetime)
        assert 10 <= lag.days <= 60, c
    assert len(chargebacks) - len(frauds) < 0.001 * fraud.size  # a few genuine disputes


def test_generated_days_are_ingested_with_every_damaged_row_quarantined(
    tmp_path, monkeypatch, spark
):
    from lockgate.cli.main import cli
    from lockgate.config import load_settings
    from lockgate.pipeline.ingestion import ingest_delivery
    from lockgate.storage import Layout

    home = tmp_path / "home"
    monkeypatch.setenv("LOCKGATE_HOME", str(home))
    monkeypatch.setenv("LOCKGATE_PROFILE", "local")
    args = ["transactions", "--run-date", "2026-11-20", "--rows", "3000", "--broken-share", "0.01"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.splitlines()[-1])
    layout = Layout(load_settings("local", "test", home).storage_root)
    manifest = ingest_delivery(spark, layout, "transactions", "2026-11-20")
    assert manifest["received"] == summary["transactions"]
    assert manifest["quarantined"] == summary["broken"] > 0 and manifest["duplicates"] == 0
    assert manifest["ingested"] == summary["transactions"] - summary["broken"]
    assert set(manifest["quarantined_by_reason"]) <= {
        "not_double:amount",
        "missing:account_id",
        "not_allowed:currency",
        "unreadable_row",
        "missing:merchant_country",
        "missing:home_country",
        "missing:channel",
        "missing:amount",
        "missing:currency",
        "missing:booked_at",
    }
    # The day's own chargebacks file: none reported yet, an empty delivery, not a missing one.
    quiet = ingest_delivery(spark, layout, "chargebacks", "2026-11-20")
    assert (quiet["received"], quiet["ingested"], quiet["quarantined"]) == (0, 0, 0)
    first_report = min(summary["chargebacks_by_day"])
    reported = ingest_delivery(spark, layout, "chargebacks", first_report)
    assert reported["ingested"] == summary["chargebacks_by_day"][first_report]
    assert reported["quarantined"] == 0


def test_an_initial_load_delivers_the_history_at_once_and_later_chargebacks_on_their_day(
    tmp_path, monkeypatch
):
    from lockgate.cli.main import cli

    monkeypatch.setenv("LOCKGATE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LOCKGATE_PROFILE", "local")
    args = ["transactions", "--run-date", "2026-09-01", "--days", "30", "--rows", "2000"]
    result = CliRunner().invoke(cli, [*args, "--accounts", "500", "--initial-load"])
    assert result.exit_code == 0, result.output
    summaries = [json.loads(line) for line in result.output.splitlines()]
    landing = tmp_path / "home" / "lake" / "landing" / "datasets"
    # The history is one delivery, on the last day: a file per day, nothing on the others.
    assert [p.name for p in (landing / "transactions").iterdir()] == ["2026-09-30"]
    files = sorted((landing / "transactions" / "2026-09-30").iterdir())
    assert [f.name for f in files] == [f"transactions-{s['run_date']}.csv" for s in summaries]
    assert sum(len(f.read_text().splitlines()) - 1 for f in files) == sum(
        s["transactions"] for s in summaries
    )
    # Chargebacks reported by then come with the load; each later one on its own day.
    reported: dict[str, int] = {}
    for s in summaries:
        for day, count in s["chargebacks_by_day"].items():
            reported[day] = reported.get(day, 0) + count
    assert min(reported) == "2026-09-30" and reported["2026-09-30"] > 0
    for day, count in reported.items():
        rows = sum(
            len(f.read_text().splitlines()) - 1 for f in (landing / "chargebacks" / day).iterdir()
        )
        assert rows == count, day
    later = [d for d in reported if d > "2026-09-30"]
    assert later and max(later) <= "2026-11-29"  # 60 days after the last day at most
