"""A gate that fits alerting models (fraud, AML): judged at the alert capacity operations can
work through, not at a threshold nobody chose.

Each day the model's `alerts_per_day` highest-scored rows become alerts (ties broken by row
order, so the same scores give the same alerts). Over the test days:

- precision at capacity: the share of alerts that were positive;
- recall at capacity: the share of positives that were alerted;
- loss avoided: the amount of the positives alerted, and its share of all positives' amount;
- AUC, reported beside them but never enough on its own: a model can rank well overall and
  still fill the day's alerts with false ones, so the precision floor holds whatever the AUC.
"""

from __future__ import annotations

import numpy as np

from lockgate.models import CapacityGate


def alerts(scores: np.ndarray, days: np.ndarray, alerts_per_day: int) -> np.ndarray:
    """Which rows are alerts: each day's `alerts_per_day` best-scored (ties by row order)."""
    scores, days = np.asarray(scores, float), np.asarray(days)
    alerted = np.zeros(scores.size, bool)
    for day in np.unique(days):
        rows = np.flatnonzero(days == day)
        order = rows[np.lexsort((rows, -scores[rows]))]  # best first; ties by row order
        alerted[order[:alerts_per_day]] = True
    return alerted


def at_capacity(
    scores: np.ndarray,
    positive: np.ndarray,
    amounts: np.ndarray,
    days: np.ndarray,
    alerts_per_day: int,
) -> dict:
    """The figures of alerting the `alerts_per_day` best-scored rows of each day."""
    scores, positive = np.asarray(scores, float), np.asarray(positive, bool)
    amounts, days = np.asarray(amounts, float), np.asarray(days)
    alerted = alerts(scores, days, alerts_per_day)
    hits = alerted & positive
    loss = float(amounts[positive].sum())
    avoided = float(amounts[hits].sum())
    figures = {
        "days": int(np.unique(days).size),
        "alerts_per_day": alerts_per_day,
        "alerts": int(alerted.sum()),
        "positives": int(positive.sum()),
        "alerted_positives": int(hits.sum()),
        "precision_at_capacity": float(hits.sum() / alerted.sum()) if alerted.any() else 0.0,
        "recall_at_capacity": float(hits.sum() / positive.sum()) if positive.any() else 1.0,
        "loss": loss,
        "loss_avoided": avoided,
        "loss_avoided_share": avoided / loss if loss else 1.0,
        "auc": _auc(scores, positive),
    }
    return figures


def _auc(scores: np.ndarray, positive: np.ndarray) -> float | None:
    if positive.all() or not positive.any():
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(positive, scores))


def capacity_checks(figures: dict, gate: CapacityGate) -> list[tuple[str, float, float, str]]:
    """(metric, value, threshold, why it fails or "" when it passes) for each of the gate's
    floors, each failure with the figures behind it."""
    said = (
        f"top {figures['alerts_per_day']} a day over {figures['days']} days: "
        f"{figures['alerted_positives']} of {figures['alerts']} alerts were positive, of "
        f"{figures['positives']} positives"
    )
    auc = "n/a" if figures["auc"] is None else f"{figures['auc']:.3f}"
    precision, recall = figures["precision_at_capacity"], figures["recall_at_capacity"]
    share = figures["loss_avoided_share"]
    return [
        (
            "precision_at_capacity",
            precision,
            gate.min_precision,
            f"precision at capacity {precision:.3f} is below the floor {gate.min_precision} "
            f"({said}; AUC {auc} does not make up for it)"
            if precision < gate.min_precision
            else "",
        ),
        (
            "recall_at_capacity",
            recall,
            gate.min_recall,
            f"recall at capacity {recall:.3f} is below {gate.min_recall} ({said})"
            if recall < gate.min_recall
            else "",
        ),
        (
            "loss_avoided_share",
            share,
            gate.min_loss_avoided_share,
            f"loss avoided {figures['loss_avoided']:,.2f} of {figures['loss']:,.2f} "
            f"({share:.1%}) is below {gate.min_loss_avoided_share:.0%}"
            if share < gate.min_loss_avoided_share
            else "",
        ),
    ]


def refusals(figures: dict, gate: CapacityGate) -> list[str]:
    """Why the figures fail the gate, each with the figures behind it; empty when they pass."""
    return [why for *_, why in capacity_checks(figures, gate) if why]
