"""The alerting gate: judged at the day's alert capacity, its precision floor holding whatever
the AUC, every refusal carrying the figures behind it."""

import numpy as np
import pytest

from lockgate.models import CapacityGate
from lockgate.training.capacity import at_capacity, refusals

GATE = CapacityGate(alerts_per_day=2, min_precision=0.5, min_recall=0.3)


def _day(scores, positive, amounts, day):
    return (np.array(scores), np.array(positive), np.array(amounts), np.array([day] * len(scores)))


def _join(*parts):
    return tuple(np.concatenate(column) for column in zip(*parts, strict=True))


def test_the_best_scored_rows_of_each_day_are_the_alerts():
    scores, positive, amounts, days = _join(
        _day([0.9, 0.8, 0.1, 0.7], [1, 0, 0, 1], [100, 5, 5, 50], "d1"),
        _day([0.2, 0.6, 0.6], [0, 1, 0], [5, 80, 5], "d2"),  # a tie: the earlier row wins
    )
    figures = at_capacity(scores, positive, amounts, days, 2)
    assert (figures["alerts"], figures["alerted_positives"], figures["positives"]) == (4, 2, 3)
    assert figures["precision_at_capacity"] == 0.5
    assert figures["recall_at_capacity"] == pytest.approx(2 / 3)
    assert (figures["loss_avoided"], figures["loss"]) == (180.0, 230.0)
    assert refusals(figures, GATE) == []


def test_a_candidate_below_the_precision_floor_is_refused_whatever_its_auc():
    # Ranks well overall (positives above most negatives) but fills the day's two alerts with
    # false ones: a high AUC, a low precision at capacity.
    scores = np.array([0.99, 0.98, 0.9, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    positive = np.array([0, 0, 1, 1, 0, 0, 0, 0, 0, 0])
    figures = at_capacity(scores, positive, np.ones(10), np.zeros(10), 2)
    assert figures["auc"] > 0.7 and figures["precision_at_capacity"] == 0.0
    (precision, recall) = refusals(figures, GATE)
    assert precision.startswith("precision at capacity 0.000 is below the floor 0.5")
    assert "top 2 a day over 1 days: 0 of 2 alerts were positive, of 2 positives" in precision
    assert "AUC 0.750 does not make up for it" in precision  # 12 of 16 pairs ranked right
    assert recall.startswith("recall at capacity 0.000 is below 0.3")


def test_a_gate_that_cannot_be_met_or_read_is_refused():
    with pytest.raises(ValueError, match="alerts_per_day"):
        CapacityGate(alerts_per_day=0, min_precision=0.5)
    with pytest.raises(ValueError, match="between 0 and 1"):
        CapacityGate(alerts_per_day=5, min_precision=1.5)
