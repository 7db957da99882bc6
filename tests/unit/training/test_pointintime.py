"""Point in time, tried the way leakage happens: a row's features see only its entity's past,
facts from after a snapshot's day (later payments, a chargeback reported later) never change
its rows, and a row whose label has not matured is left out and counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lockgate.models import Derived, LabelDefinition, Ratio, Rolling
from lockgate.training.pointintime import before, labelled, with_features

T0 = datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
FEATURES = (
    Rolling("count_1h", "count", None, "1h", "account"),
    Rolling("sum_24h", "sum", "amount", "24h", "account"),
    Rolling("max_24h", "max", "amount", "24h", "account"),
    Rolling("merchants_24h", "distinct", "merchant", "24h", "account"),
    Rolling("mean_30d", "mean", "amount", "30d", "account"),
    Ratio("amount_vs_30d", "amount", "mean_30d"),
)
CHARGEBACKS = LabelDefinition(
    dataset="chargebacks",
    key="txn_id",
    event_time="reported_at",
    horizon_days=60,
    where="reason = 'fraud'",
    positive="fraud",
    negative="genuine",
)
PAYMENTS = [  # txn_id, account, merchant, amount, minutes after T0
    ("p1", "a", "m1", 10.0, 0),
    ("p2", "a", "m2", 30.0, 10),  # ten minutes later, another merchant
    ("p3", "a", "m2", 60.0, 10),  # the same moment as p2: neither sees the other
    ("p4", "a", "m3", 100.0, 130),  # two hours on: the 1-hour window is empty again
    ("p5", "b", "m1", 5.0, 20),  # another account: never in a's windows
]


def _payments(spark, rows):
    return spark.createDataFrame(
        [(t, a, m, amt, T0 + timedelta(minutes=mins)) for t, a, m, amt, mins in rows],
        "txn_id string, account string, merchant string, amount double, booked_at timestamp",
    )


def _chargebacks(spark, rows):
    return spark.createDataFrame(
        [(t, T0 + timedelta(days=d), reason) for t, d, reason in rows],
        "txn_id string, reported_at timestamp, reason string",
    )


def _by_id(frame) -> dict:
    return {r["txn_id"]: r.asDict() for r in frame.collect()}


def test_rolling_features_see_only_the_entitys_past(spark):
    rows = _by_id(with_features(_payments(spark, PAYMENTS), "booked_at", FEATURES))
    got = {
        t: (r["count_1h"], r["sum_24h"], r["max_24h"], r["merchants_24h"]) for t, r in rows.items()
    }
    assert got == {
        "p1": (0.0, 0.0, None, 0.0),
        "p2": (1.0, 10.0, 10.0, 1.0),
        "p3": (1.0, 10.0, 10.0, 1.0),
        "p4": (0.0, 100.0, 60.0, 2.0),
        "p5": (0.0, 0.0, None, 0.0),
    }
    assert rows["p4"]["amount_vs_30d"] == pytest.approx(100.0 / (100.0 / 3))
    assert rows["p1"]["amount_vs_30d"] is None  # no history: no ratio, not a division by zero


def test_facts_from_after_the_snapshot_day_never_reach_its_rows(spark):
    as_of = "2026-11-15"  # p1..p5 are 75 days old: matured
    on_the_day = 75 * 24 * 60 + 10 * 60  # 2026-11-15 20:00: known, too young to label
    payments = PAYMENTS + [("q1", "a", "m1", 40.0, on_the_day)]
    reported = _chargebacks(spark, [("p2", 20, "fraud"), ("p4", 30, "dispute")])

    def snapshot(payments, chargebacks):
        history = with_features(before(payments, "booked_at", as_of), "booked_at", FEATURES)
        kept, _ = labelled(history, "txn_id", "booked_at", chargebacks, CHARGEBACKS, as_of)
        return _by_id(history), _by_id(kept)

    features, known = snapshot(_payments(spark, payments), reported)
    assert {t: r["label"] for t, r in known.items()} == {
        "p1": "genuine",
        "p2": "fraud",
        "p3": "genuine",
        "p4": "genuine",  # a dispute is no fraud
        "p5": "genuine",
    }
    # The future: account a pays again five hours after q1, on the next day (inside q1's
    # 24-hour window, were it to look forward); p1 is reported as fraud the day after the
    # snapshot's and p3 a day after its 60-day horizon. (A row is labelled only once its
    # horizon has passed, so every label it can still get is known by then.)
    later = payments + [("q2", "a", "m9", 999.0, on_the_day + 5 * 60)]
    future = reported.unionByName(_chargebacks(spark, [("p1", 76, "fraud"), ("p3", 61, "fraud")]))
    assert snapshot(_payments(spark, later), future) == (features, known)
    assert "q1" in features and "q2" not in features


def test_a_row_whose_label_has_not_matured_is_left_out_and_counted(spark):
    young = PAYMENTS + [("p7", "a", "m1", 20.0, 50 * 24 * 60)]  # 50 days after T0
    rows = with_features(_payments(spark, young), "booked_at", FEATURES)
    kept, immature = labelled(
        rows, "txn_id", "booked_at", _chargebacks(spark, []), CHARGEBACKS, "2026-11-15"
    )
    assert sorted(_by_id(kept)) == ["p1", "p2", "p3", "p4", "p5"]
    assert [r["txn_id"] for r in immature.collect()] == ["p7"]  # 25 days old on the day


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Rolling("x", "median", "amount", "1h", "a"), "agg is one of"),
        (lambda: Rolling("x", "count", "amount", "1h", "a"), "count takes no column"),
        (lambda: Rolling("x", "sum", "amount", "1w", "a"), "a window is"),
        (lambda: LabelDefinition("c", "k", "t", 0), "horizon"),
    ],
)
def test_a_declaration_that_cannot_be_built_is_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_derived_feature_reads_its_own_row_and_a_window_in_it_is_refused(spark):
    abroad = Derived("big", "cast(amount > 25 as double)", ("amount",))
    rows = _by_id(with_features(_payments(spark, PAYMENTS), "booked_at", (abroad,)))
    assert {t: r["big"] for t, r in rows.items()} == {
        t: float(amount > 25) for t, _, _, amount, _ in PAYMENTS
    }
    with pytest.raises(ValueError, match="write a window as a Rolling feature"):
        Derived("peek", "max(amount) OVER (PARTITION BY account)", ("amount", "account"))
