"""Business-aware evaluation: per-class decision thresholds, metrics, the gate, the champion check.

Pure functions of predictions, so they are tested without Spark or MLflow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field

import numpy as np

from lockgate.models import Gate

# Thresholds above any probability: the class is never decided automatically.
NEVER = 1.01
# Edges of the confidence (top class probability) histogram recorded with every evaluation.
CONFIDENCE_EDGES = np.linspace(0.0, 1.0, 11)


def split_of(doc_id: str) -> str:
    """A stable split by content (a fifth each for validation and test): a document never moves."""
    bucket = int(doc_id[:8], 16) % 5
    return "test" if bucket == 0 else "validation" if bucket == 1 else "train"


@dataclass(frozen=True)
class Threshold:
    value: float
    precision: float
    manual_review_rate: float


def choose_threshold(
    confidence: np.ndarray, correct: np.ndarray, target_precision: float
) -> Threshold:
    """Lowest confidence at which the documents decided automatically keep `target_precision`.

    Everything below the threshold goes to manual review. If no threshold reaches the
    target, everything is sent to manual review (threshold above 1).
    """
    order = np.argsort(-confidence, kind="stable")
    conf, hit = confidence[order], correct[order].astype(float)
    precision_at = np.cumsum(hit) / np.arange(1, len(hit) + 1)
    ok = np.nonzero(precision_at >= target_precision)[0]
    if len(ok) == 0:
        return Threshold(value=NEVER, precision=float("nan"), manual_review_rate=1.0)
    # Ties: everything at the cut's confidence is decided too, so recheck precision there.
    value = float(conf[ok[-1]])
    routed = confidence >= value
    return Threshold(
        value=value,
        precision=float(correct[routed].mean()),
        manual_review_rate=float(1.0 - routed.mean()),
    )


def choose_thresholds(
    proba: np.ndarray, classes: list[str], truth: np.ndarray, min_precision: float
) -> dict[str, float]:
    """One threshold per predicted class, each holding `min_precision` on these (validation) rows."""
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    confidence = proba.max(axis=1)
    thresholds = {}
    for cls in classes:
        mine = predicted == cls
        thresholds[cls] = (
            choose_threshold(confidence[mine], truth[mine] == cls, min_precision).value
            if mine.any()
            else NEVER
        )
    return thresholds


@dataclass
class Evaluation:
    """Metrics of predictions with per-class thresholds applied, on one split."""

    rows: int
    metrics: dict[str, float]
    per_class: dict[str, dict[str, float]]
    # confusion[true class][predicted class] = rows, every class in both keys.
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    # Rows per confidence bin (CONFIDENCE_EDGES), split by whether the prediction was right.
    confidence: dict[str, list[int]] = field(default_factory=dict)


def evaluate(
    proba: np.ndarray,
    classes: list[str],
    truth: np.ndarray,
    thresholds: Mapping[str, float],
    extra_metrics: Mapping[str, Callable[[np.ndarray, np.ndarray], float]] = {},  # noqa: B006
) -> Evaluation:
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        precision_recall_fscore_support,
    )

    labels = np.asarray(classes)
    predicted = labels[proba.argmax(axis=1)]
    confidence = proba.max(axis=1)
    cut = np.array([thresholds.get(p, NEVER) for p in predicted])
    decided = confidence >= cut
    correct = predicted == truth
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=classes, zero_division=0
    )
    per_class = {}
    for i, cls in enumerate(classes):
        auto = decided & (predicted == cls)
        per_class[cls] = {
            "precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
            "support": int(support[i]), "threshold": float(thresholds.get(cls, NEVER)),
            "auto_decided": int(auto.sum()),
            "auto_precision": float(correct[auto].mean()) if auto.any() else float("nan"),
        }  # fmt: skip
    auto_precisions = [c["auto_precision"] for c in per_class.values() if c["auto_decided"]]
    metrics = {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(f1_score(truth, predicted, labels=classes, average="macro",
                                   zero_division=0)),
        "auto_route_precision": float(correct[decided].mean()) if decided.any() else float("nan"),
        "min_class_precision": min(auto_precisions) if auto_precisions else float("nan"),
        "manual_review_rate": float(1.0 - decided.mean()) if len(decided) else 1.0,
    }  # fmt: skip
    for name, metric in extra_metrics.items():
        metrics[name] = float(metric(truth, predicted))
    matrix = confusion_matrix(truth, predicted, labels=classes)
    confusion = {t: {p: int(matrix[i, j]) for j, p in enumerate(classes)}
                 for i, t in enumerate(classes)}  # fmt: skip
    confidence_bins = {
        "correct": np.histogram(confidence[correct], bins=CONFIDENCE_EDGES)[0].tolist(),
        "wrong": np.histogram(confidence[~correct], bins=CONFIDENCE_EDGES)[0].tolist(),
    }
    return Evaluation(rows=len(truth), metrics=metrics, per_class=per_class,
                      confusion=confusion, confidence=confidence_bins)  # fmt: skip


@dataclass(frozen=True)
class GateCheck:
    metric: str
    value: float
    comparison: str
    threshold: float
    passed: bool
    detail: str = ""

    def explain(self) -> str:
        return (
            self.detail
            or f"{self.metric}={self.value:.4f} is not {self.comparison} {self.threshold}"
        )


@dataclass(frozen=True)
class GateResult:
    passed: bool
    checks: list[GateCheck]
    champion: dict | None = field(default=None)

    def to_dict(self) -> dict:
        return {"passed": self.passed, "checks": [asdict(c) for c in self.checks],
                "champion": self.champion}  # fmt: skip

    def explain(self) -> str:
        failed = [c for c in self.checks if not c.passed]
        if not failed:
            return "all gate checks passed"
        return "; ".join(c.explain() for c in failed)


def _check(metric: str, value: float, comparison: str, threshold: float) -> GateCheck:
    passed = value >= threshold if comparison == ">=" else value <= threshold
    return GateCheck(metric, value, comparison, threshold, bool(passed))  # NaN never passes


def gate_checks(test: Evaluation, gate: Gate) -> list[GateCheck]:
    """The absolute checks on the test split: macro-F1 floor, per-class precision, review rate."""
    checks = [_check("macro_f1", test.metrics["macro_f1"], ">=", gate.min_macro_f1)]
    for cls, scores in test.per_class.items():
        if scores[
            "auto_decided"
        ]:  # a class never decided automatically cannot be wrong automatically
            checks.append(
                _check(f"precision[{cls}]", scores["auto_precision"], ">=", gate.min_precision)
            )
    checks.append(
        _check("manual_review_rate", test.metrics["manual_review_rate"], "<=",
               gate.max_manual_review_rate)
    )  # fmt: skip
    return checks


def champion_checks(
    candidate: Evaluation, champion: Evaluation, champion_label: str, margin: float
) -> list[GateCheck]:
    """The candidate against the production version, both measured on the candidate's test rows.

    Refused when macro-F1 is lower, or the manual-review rate higher, by more than `margin`.
    """
    checks = []
    for metric, higher_is_better in (("macro_f1", True), ("manual_review_rate", False)):
        mine, theirs = candidate.metrics[metric], champion.metrics[metric]
        worse_by = (theirs - mine) if higher_is_better else (mine - theirs)
        limit = theirs - margin if higher_is_better else theirs + margin
        passed = bool(worse_by <= margin + 1e-12)
        detail = (
            ""
            if passed
            else f"champion comparison: {metric}={mine:.4f} is worse than production "
            f"{champion_label} ({theirs:.4f}) by {worse_by:.4f}, more than the margin {margin}"
        )
        checks.append(
            GateCheck(f"champion.{metric}", mine, ">=" if higher_is_better else "<=", limit,
                      passed, detail)
        )  # fmt: skip
    return checks


def apply_gate(
    test: Evaluation, gate: Gate, champion: tuple[str, Evaluation] | None = None
) -> GateResult:
    checks = gate_checks(test, gate)
    champion_summary = None
    if champion is not None:
        label, champion_eval = champion
        checks += champion_checks(test, champion_eval, label, gate.champion_margin)
        champion_summary = {"version": label, "metrics": champion_eval.metrics,
                            "margin": gate.champion_margin}  # fmt: skip
    return GateResult(all(c.passed for c in checks), checks, champion_summary)
