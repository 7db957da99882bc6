"""A team's dataset, declared in a plug-in module, ingested with real Spark from each landing
format, with every kind of bad row a delivery brings: nothing is lost (ingested + duplicates +
quarantined = received), each quarantined row keeps its bytes and reasons, a rerun writes the
same bytes, and a delivery that is not the dataset's is refused whole."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from support import forget_plugins, install_plugins

from lockgate.config import load_settings
from lockgate.storage import Layout

DATASET = """
from lockgate.datasets import Column, DatasetSpec

DATASET = DatasetSpec(
    name="card_payments",
    description="Card payments as the card system delivers them.",
    columns=(
        Column("txn_id", "string", nullable=False),
        Column("account", "string", nullable=False),
        Column("amount", "double", nullable=False, minimum=0),
        Column("currency", "string", allowed=("EUR", "USD", "GBP")),
        Column("booked_at", "timestamp", nullable=False),
        Column("card_present", "boolean"),
    ),
    key=("txn_id",),
    event_time="booked_at",
    landing_format={fmt!r},
)
"""
HEADER = "txn_id,account,amount,currency,booked_at,card_present"
ROWS = [
    "t1,a1,10.5,EUR,2026-11-20T10:00:00Z,true",  # kept
    "t2,a1,abc,EUR,2026-11-20T10:00:00Z,true",  # not_double:amount
    ",a2,1,EUR,2026-11-20T10:00:00Z,false",  # missing:txn_id
    "t4,a2,1,XXX,2026-11-20T10:00:00Z,false",  # not_allowed:currency
    "t5,a2,-3,EUR,yesterday,false",  # below_minimum:amount and not_timestamp:booked_at
    "t6,a3,2,EUR",  # unreadable_row: too few fields
    "t1,a1,10.5,EUR,2026-11-20T10:00:00Z,true",  # an exact copy of t1: a duplicate
    "t8,a4,5,USD,2026-11-20T12:00:00+01:00,",  # two rows with key t8 that differ: both go
    "t8,a4,6,USD,2026-11-20T12:00:00+01:00,",
    "t9,a5,7,,2026-11-20T13:00:00Z,",  # kept: empty where it may be
]


@pytest.fixture
def dataset(tmp_path, monkeypatch):
    def declare(fmt: str) -> Layout:
        site = tmp_path / f"site-{fmt}"
        install_plugins(site, {"cards": DATASET.format(fmt=fmt)}, group="lockgate.datasets")
        forget_plugins()  # another test's declaration
        monkeypatch.syspath_prepend(str(site))
        home = tmp_path / "home"
        monkeypatch.setenv("LOCKGATE_HOME", str(home))
        return Layout(load_settings("local", "test", home).storage_root)

    yield declare
    forget_plugins()


def _landing(layout: Layout, day: str = "2026-11-20") -> Path:
    folder = Path(layout.dataset_landing("card_payments", day).removeprefix("file://"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _rows(uri: str) -> list[dict]:
    return pq.read_table(uri.removeprefix("file://"), partitioning=None).to_pylist()


def _digest(folder: str) -> str:
    files = sorted(Path(folder.removeprefix("file://")).glob("*.parquet"))
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()


def test_a_csv_delivery_keeps_the_good_rows_typed_and_quarantines_each_bad_one(spark, dataset):
    from lockgate.pipeline.ingestion import ingest_delivery

    layout = dataset("csv")
    (_landing(layout) / "part-1.csv").write_text("\n".join([HEADER, *ROWS[:6]]) + "\n")
    (_landing(layout) / "part-2.csv").write_text("\n".join([HEADER, *ROWS[6:]]) + "\n")
    manifest = ingest_delivery(spark, layout, "card_payments", "2026-11-20")
    assert (manifest["received"], manifest["ingested"], manifest["duplicates"]) == (10, 2, 1)
    assert manifest["quarantined"] == 7 and manifest["files"] == ["part-1.csv", "part-2.csv"]
    assert manifest["quarantined_by_reason"] == {
        "below_minimum:amount": 1,
        "conflicting_key": 2,
        "missing:booked_at": 1,  # the short line's: it has no such field
        "missing:txn_id": 1,
        "not_allowed:currency": 1,
        "not_double:amount": 1,
        "not_timestamp:booked_at": 1,
        "unreadable_row": 1,
    }
    partition = f"{layout.dataset('card_payments')}/run_date=2026-11-20"
    kept = sorted(_rows(partition), key=lambda r: r["txn_id"])
    assert [(r["txn_id"], r["amount"], r["currency"], r["card_present"]) for r in kept] == [
        ("t1", 10.5, "EUR", True),
        ("t9", 7.0, None, None),
    ]
    assert kept[0]["booked_at"].isoformat().startswith("2026-11-20T10:00:00")
    assert {r["run_date"] for r in kept} == {"2026-11-20"}
    quarantine = f"{layout.dataset_quarantine('card_payments')}/run_date=2026-11-20"
    held = {r["_raw"]: r["reasons"] for r in _rows(quarantine)}
    assert held[
        '{"txn_id":"t5","account":"a2","amount":"-3","currency":"EUR",'
        '"booked_at":"yesterday","card_present":"false"}'
    ] == [
        "below_minimum:amount",
        "not_timestamp:booked_at",
    ]  # in the order of the columns
    # The short line as it was received, unreadable and short of a value it must have.
    assert held["t6,a3,2,EUR"] == ["unreadable_row", "missing:booked_at"]
    # A rerun replaces both partitions with the same bytes and says the same.
    before = (_digest(partition), _digest(quarantine))
    assert ingest_delivery(spark, layout, "card_payments", "2026-11-20") == manifest
    assert (_digest(partition), _digest(quarantine)) == before
    # The suite the declaration gives passes on what was kept.
    from lockgate.pipeline.validation import validate_delivery

    result = validate_delivery(layout, "card_payments", "2026-11-20")
    assert result["success"] and result["suite"] == "dataset.card_payments"


def test_a_json_lines_delivery_is_checked_the_same_way(spark, dataset):
    from lockgate.pipeline.ingestion import ingest_delivery

    layout = dataset("jsonl")
    lines = [
        {"txn_id": "j1", "account": "a", "amount": 12, "booked_at": "2026-11-20T09:00:00Z"},
        {"txn_id": "j2", "account": "a", "amount": "x", "booked_at": "2026-11-20T09:00:00Z"},
    ]
    text = "\n".join([*map(json.dumps, lines), "{not json"]) + "\n"
    (_landing(layout) / "delivery.jsonl").write_text(text)
    manifest = ingest_delivery(spark, layout, "card_payments", "2026-11-20")
    assert (manifest["received"], manifest["ingested"], manifest["quarantined"]) == (3, 1, 2)
    unreadable = {f"missing:{c}": 1 for c in ("txn_id", "account", "amount", "booked_at")}
    assert manifest["quarantined_by_reason"] == unreadable | {
        "not_double:amount": 1,
        "unreadable_row": 1,  # and, having no fields, every one it must have is missing
    }
    (kept,) = _rows(f"{layout.dataset('card_payments')}/run_date=2026-11-20")
    assert (kept["txn_id"], kept["amount"]) == ("j1", 12.0)


def test_a_parquet_delivery_is_checked_the_same_way(spark, dataset):
    from lockgate.pipeline.ingestion import ingest_delivery

    layout = dataset("parquet")
    moment = pa.array([1_795_000_000_000_000] * 2, pa.timestamp("us", tz="UTC"))
    table = pa.table(
        {
            "txn_id": ["p1", "p2"],
            "account": ["a", "b"],
            "amount": [1.0, -1.0],
            "currency": ["GBP", "GBP"],
            "booked_at": moment,
            "card_present": [True, False],
        }
    )
    pq.write_table(table, _landing(layout) / "delivery.parquet")
    manifest = ingest_delivery(spark, layout, "card_payments", "2026-11-20")
    assert manifest["quarantined_by_reason"] == {"below_minimum:amount": 1}
    (kept,) = _rows(f"{layout.dataset('card_payments')}/run_date=2026-11-20")
    assert kept["txn_id"] == "p1"
    assert kept["booked_at"].isoformat()[:19] == moment[0].as_py().isoformat()[:19]  # UTC


def test_a_delivery_that_is_not_the_datasets_is_refused_whole(spark, dataset, tmp_path):
    from lockgate.ingestion import DeliveryRefused
    from lockgate.pipeline.ingestion import ingest_delivery

    layout = dataset("csv")
    folder = _landing(layout)
    (folder / "part-1.csv").write_text("txn_id,amount,account\nt1,1,a\n")
    with pytest.raises(DeliveryRefused, match="its header is"):
        ingest_delivery(spark, layout, "card_payments", "2026-11-20")
    (folder / "part-1.csv").write_text("\n".join([HEADER, ROWS[0]]) + "\n")
    (tmp_path / "elsewhere.csv").write_text("\n".join([HEADER, ROWS[1]]) + "\n")
    (folder / "part-2.csv").symlink_to(tmp_path / "elsewhere.csv")
    with pytest.raises(DeliveryRefused, match="a link to"):
        ingest_delivery(spark, layout, "card_payments", "2026-11-20")
    assert not Path(layout.dataset("card_payments").removeprefix("file://")).exists()


def test_lockgate_models_lists_each_dataset_with_the_columns_it_offers(dataset):
    from click.testing import CliRunner

    from lockgate.cli.main import cli

    dataset("csv")
    result = CliRunner().invoke(cli, ["models", "--json"])
    assert result.exit_code == 0, result.output
    offered = json.loads(result.output)["datasets"]
    assert {"transactions", "chargebacks", "card_payments"} <= set(offered)  # shipped, plug-in
    listed = offered["card_payments"]
    assert listed["key"] == ["txn_id"] and listed["event_time"] == "booked_at"
    assert listed["columns"]["amount"] == "double" and listed["format"] == "csv"
    text = CliRunner().invoke(cli, ["models"]).output
    assert "Dataset card_payments (csv, key txn_id, event time booked_at)" in text
