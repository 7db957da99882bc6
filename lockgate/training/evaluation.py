"""Held-out evaluation, the auto-route threshold, and the gate: pure functions of predictions."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from lockgate.config import RoutingGate


def is_holdout(doc_id: str, share_in_five: int = 1) -> bool:
    """A stable split by content: the same document is always on the same side."""
    return int(doc_id[:8], 16) % 5 < share_in_five


@dataclass(frozen=True)
class Threshold:
    value: float
    precision: float
    manual_review_rate: float


def choose_threshold(
    confidence: np.ndarray, correct: np.ndarray, target_precision: float
) -> Threshold:
    """Lowest confidence at which the documents routed automatically keep `target_precision`.

    Everything below the threshold goes to manual review. If no threshold reaches the
    target, everything is sent to manual review (threshold above 1).
    """
    order = np.argsort(-confidence, kind="stable")
    conf, hit = confidence[order], correct[order].astype(float)
    precision_at = np.cumsum(hit) / np.arange(1, len(hit) + 1)
    ok = np.nonzero(precision_at >= target_precision)[0]
    if len(ok) == 0:
        return Threshold(value=1.01, precision=float("nan"), manual_review_rate=1.0)
    cut = ok[-1]
    # Ties: everything at the cut's confidence is routed too, so recheck precision there.
    value = float(conf[cut])
    routed = confidence >= value
    return Threshold(
        value=value,
        precision=float(correct[routed].mean()),
        manual_review_rate=float(1.0 - routed.mean()),
    )


@dataclass(frozen=True)
class GateCheck:
    metric: str
    value: float
    comparison: str
    threshold: float
    passed: bool


@dataclass(frozen=True)
class GateResult:
    passed: bool
    checks: list[GateCheck]

    def to_dict(self) -> dict:
        return {"passed": self.passed, "checks": [asdict(c) for c in self.checks]}

    def explain(self) -> str:
        failed = [c for c in self.checks if not c.passed]
        if not failed:
            return "all gate checks passed"
        return "; ".join(
            f"{c.metric}={c.value:.4f} is not {c.comparison} {c.threshold}" for c in failed
        )


def apply_gate(metrics: dict[str, float], gate: RoutingGate) -> GateResult:
    checks = [
        GateCheck("macro_f1", metrics["macro_f1"], ">=", gate.min_macro_f1,
                  metrics["macro_f1"] >= gate.min_macro_f1),
        GateCheck("accuracy", metrics["accuracy"], ">=", gate.min_accuracy,
                  metrics["accuracy"] >= gate.min_accuracy),
        GateCheck("auto_route_precision", metrics["auto_route_precision"], ">=",
                  gate.target_precision,
                  metrics["auto_route_precision"] >= gate.target_precision),
        GateCheck("manual_review_rate", metrics["manual_review_rate"], "<=",
                  gate.max_manual_review_rate,
                  metrics["manual_review_rate"] <= gate.max_manual_review_rate),
    ]  # fmt: skip
    return GateResult(passed=all(c.passed for c in checks), checks=checks)
