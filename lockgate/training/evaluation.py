"""Business-aware evaluation: per-class decision thresholds, metrics, the gate, the champion check.

Pure functions of predictions, so they are tested without Spark or MLflow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field

import numpy as np

from lockgate.models import CapacityGate, Gate, ModelSpec
from lockgate.training.capacity import at_capacity, capacity_checks

# Thresholds above any probability: the class is never decided automatically.
NEVER = 1.01
# Edges of the confidence (top class probability) histogram recorded with every evaluation.
CONFIDENCE_EDGES = np.linspace(0.0, 1.0, 11)


def split_of(doc_id: str) -> str:
    """A stable split by content (a fifth each for validation and test): a document never moves."""
    bucket = int(doc_id[:8], 16) % 5
    return "test" if bucket == 0 else "validation" if bucket == 1 else "train"


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
    # An alerting model's figures at its alert capacity (`lockgate.training.capacity`).
    capacity: dict = field(default_factory=dict)


def evaluate(
    proba: np.ndarray,
    classes: list[str],
    truth: np.ndarray,
    thresholds: Mapping[str, float],
    extra_metrics: Mapping[str, Callable[[np.ndarray, np.ndarray], float]] = {},  # noqa: B006
    level: float = 0.95,
) -> Evaluation:
    """Metrics with `thresholds` applied; per class also the rows behind each figure and the
    `level` lower bound of the precision among the rows decided automatically."""
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
        right = int(correct[auto].sum())
        per_class[cls] = {
            "precision": float(precision[i]),
            "recall": float(recall[i]),
            "f1": float(f1[i]),
            "support": int(support[i]),
            "predicted": int((predicted == cls).sum()),
            "threshold": float(thresholds.get(cls, NEVER)),
            "auto_routed": bool(thresholds.get(cls, NEVER) < NEVER),
            "auto_decided": int(auto.sum()),
            "auto_right": right,
            "auto_precision": right / int(auto.sum()) if auto.any() else float("nan"),
            "auto_lower_bound": float(wilson_lower_bound(right, auto.sum(), level))
            if auto.any()
            else float("nan"),
        }
    auto_precisions = [c["auto_precision"] for c in per_class.values() if c["auto_decided"]]
    metrics = {
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro_f1": float(
            f1_score(truth, predicted, labels=classes, average="macro", zero_division=0)
        ),
        "auto_route_precision": float(correct[decided].mean()) if decided.any() else float("nan"),
        "min_class_precision": min(auto_precisions) if auto_precisions else float("nan"),
        "manual_review_rate": float(1.0 - decided.mean()) if len(decided) else 1.0,
    }
    for name, metric in extra_metrics.items():
        metrics[name] = float(metric(truth, predicted))
    matrix = confusion_matrix(truth, predicted, labels=classes)
    confusion = {
        t: {p: int(matrix[i, j]) for j, p in enumerate(classes)} for i, t in enumerate(classes)
    }
    confidence_bins = {
        "correct": np.histogram(confidence[correct], bins=CONFIDENCE_EDGES)[0].tolist(),
        "wrong": np.histogram(confidence[~correct], bins=CONFIDENCE_EDGES)[0].tolist(),
    }
    return Evaluation(
        rows=len(truth),
        metrics=metrics,
        per_class=per_class,
        confusion=confusion,
        confidence=confidence_bins,
    )


def evaluate_rows(
    proba: np.ndarray,
    classes: list[str],
    rows,
    thresholds: Mapping[str, float],
    spec: ModelSpec,
    gate: Gate | CapacityGate,
) -> Evaluation:
    """`evaluate` on a split's rows (a frame with `label`), and for an alerting model also its
    figures at the gate's alert capacity: each day's (`day`) best-scored rows of the positive
    class alerted, the loss avoided summed over the gate's `amount` column."""
    truth = rows["label"].to_numpy()
    level = gate.confidence if isinstance(gate, Gate) else 0.95
    evaluation = evaluate(proba, classes, truth, thresholds, spec.extra_metrics, level)
    if isinstance(gate, CapacityGate):
        positive = spec.label_definition.positive
        scores = proba[:, classes.index(positive)] if positive in classes else np.zeros(len(rows))
        amounts = rows[gate.amount].to_numpy() if gate.amount else np.ones(len(rows))
        figures = at_capacity(
            scores, truth == positive, amounts, rows["day"].to_numpy(), gate.alerts_per_day
        )
        evaluation.capacity = figures
        evaluation.metrics |= {k: float(v) for k, v in figures.items() if v is not None}
    return evaluation


def objective(evaluation: Evaluation) -> float:
    """What a search maximises: precision at capacity for an alerting model, else macro-F1."""
    if evaluation.capacity:
        return evaluation.metrics["precision_at_capacity"]
    return evaluation.metrics["macro_f1"]


def z_score(level: float) -> float:
    """The normal quantile of a two-sided interval at `level` (0.95 -> 1.96)."""
    from statistics import NormalDist

    return NormalDist().inv_cdf(0.5 + level / 2)


def wilson_lower_bound(right, rows, level: float):
    """Lower end of the two-sided Wilson score interval at `level` of right/rows (element-wise;
    NaN where rows is 0). The formula is written out because scipy's `binomtest` works on one
    pair at a time and threshold search needs it for every cut; a test checks it against scipy.
    """
    z = z_score(level)
    right, rows = np.asarray(right, dtype=float), np.asarray(rows, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = right / rows
        centre = share + z * z / (2 * rows)
        margin = z * np.sqrt(share * (1 - share) / rows + z * z / (4 * rows * rows))
        return (centre - margin) / (1 + z * z / rows)


def rows_needed(min_precision: float, level: float) -> int:
    """The fewest decided rows whose lower bound can reach `min_precision` (all of them right):
    with every row right the Wilson bound is n / (n + z^2), so n >= p z^2 / (1 - p)."""
    z = z_score(level)
    return int(np.ceil(min_precision * z * z / (1 - min_precision) - 1e-9))


@dataclass(frozen=True)
class Threshold:
    value: float
    precision: float
    lower_bound: float
    decided: int
    manual_review_rate: float


def choose_threshold(
    confidence: np.ndarray, correct: np.ndarray, target_precision: float, level: float
) -> Threshold:
    """Lowest confidence at which the documents decided automatically hold `target_precision`
    at the lower bound of its `level` confidence interval (Wilson).

    Everything below the threshold goes to manual review. If no threshold reaches the target
    (too few rows to show it, or too many wrong), everything goes to manual review (threshold
    above 1). A cut never splits rows of equal confidence: those are decided together.
    """
    order = np.argsort(-confidence, kind="stable")
    conf, hit = confidence[order], correct[order].astype(float)
    right, rows = np.cumsum(hit), np.arange(1, len(hit) + 1)
    bound = wilson_lower_bound(right, rows, level)
    last_of_tie = np.r_[conf[1:] < conf[:-1], True] if len(conf) else np.array([], dtype=bool)
    ok = np.nonzero(last_of_tie & (bound >= target_precision))[0]
    if len(ok) == 0:
        return Threshold(NEVER, float("nan"), float("nan"), 0, 1.0)
    cut = ok[-1]
    return Threshold(
        value=float(conf[cut]),
        precision=float(right[cut] / rows[cut]),
        lower_bound=float(bound[cut]),
        decided=int(rows[cut]),
        manual_review_rate=float(1.0 - rows[cut] / len(conf)),
    )


def choose_thresholds(
    proba: np.ndarray, classes: list[str], truth: np.ndarray, min_precision: float, level: float
) -> dict[str, float]:
    """One threshold per predicted class, each holding `min_precision` at its lower bound on
    these (validation) rows."""
    predicted = np.asarray(classes)[proba.argmax(axis=1)]
    confidence = proba.max(axis=1)
    thresholds = {}
    for cls in classes:
        mine = predicted == cls
        thresholds[cls] = (
            choose_threshold(confidence[mine], truth[mine] == cls, min_precision, level).value
            if mine.any()
            else NEVER
        )
    return thresholds


def withhold_unproven(
    test: Evaluation, thresholds: Mapping[str, float], gate: Gate
) -> tuple[dict[str, float], dict[str, str]]:
    """(thresholds, why) with every class whose automatically decided test rows are too few to
    show `gate.min_precision` at the lower bound, even if all were right, taken out of
    automatic routing for this release: all its documents go to manual review. The gate then
    judges the rest, and the manual-review rate weighs what the withheld classes cost."""
    need = rows_needed(gate.min_precision, gate.confidence)
    kept, why = dict(thresholds), {}
    for cls, scores in test.per_class.items():
        if thresholds.get(cls, NEVER) < NEVER and scores["auto_decided"] < need:
            kept[cls] = NEVER
            why[cls] = (
                f"{scores['auto_decided']} automatically decided test rows, fewer than the "
                f"{need} that could show precision >= {gate.min_precision} at the "
                f"{gate.confidence:.0%} lower bound"
            )
    return kept, why


ROUTING_KEYS = (
    "routing",
    "auto_routed",
    "predicted",
    "threshold",
    "auto_decided",
    "auto_right",
    "auto_precision",
    "auto_lower_bound",
)


def class_routing(test: Evaluation) -> dict[str, dict]:
    """Per class: auto-routed or not and why, and the test rows behind its figures; recorded
    with the gate, so the change request shows it beside the checks."""
    return {
        cls: {key: scores[key] for key in ROUTING_KEYS if key in scores}
        for cls, scores in test.per_class.items()
    }


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
        return {
            "passed": self.passed,
            "checks": [asdict(c) for c in self.checks],
            "champion": self.champion,
        }

    def explain(self) -> str:
        failed = [c for c in self.checks if not c.passed]
        if not failed:
            return "all gate checks passed"
        return "; ".join(c.explain() for c in failed)


def _check(metric: str, value: float, comparison: str, threshold: float) -> GateCheck:
    passed = value >= threshold if comparison == ">=" else value <= threshold
    return GateCheck(metric, value, comparison, threshold, bool(passed))  # NaN never passes


def gate_checks(test: Evaluation, gate: Gate) -> list[GateCheck]:
    """The absolute checks on the test split: macro-F1 floor, each auto-routed class's precision
    at its lower bound, the manual-review rate."""
    checks = [_check("macro_f1", test.metrics["macro_f1"], ">=", gate.min_macro_f1)]
    for cls, scores in test.per_class.items():
        if not scores["auto_decided"]:  # never decided automatically: cannot be wrong so
            continue
        bound, passed = scores["auto_lower_bound"], scores["auto_lower_bound"] >= gate.min_precision
        checks.append(
            GateCheck(
                f"precision_lower_bound[{cls}]",
                bound,
                ">=",
                gate.min_precision,
                bool(passed),
                ""
                if passed
                else f"precision[{cls}]: {scores['auto_right']} of {scores['auto_decided']} automatically "
                f"routed test rows right ({scores['auto_precision']:.4f}), lower bound {bound:.4f} "
                f"({gate.confidence:.0%} Wilson) is below {gate.min_precision}",
            )
        )
    checks.append(
        _check(
            "manual_review_rate",
            test.metrics["manual_review_rate"],
            "<=",
            gate.max_manual_review_rate,
        )
    )
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
            GateCheck(
                f"champion.{metric}",
                mine,
                ">=" if higher_is_better else "<=",
                limit,
                passed,
                detail,
            )
        )
    return checks


def alerting_checks(test: Evaluation, gate: CapacityGate) -> list[GateCheck]:
    """An alerting model's checks at its capacity: the precision floor (whatever the AUC),
    recall, and the share of the loss avoided."""
    return [
        GateCheck(metric, value, ">=", threshold, not detail, detail)
        for metric, value, threshold, detail in capacity_checks(test.capacity, gate)
    ]


def alerting_champion_checks(
    candidate: Evaluation, champion: Evaluation, champion_label: str, margin: float
) -> list[GateCheck]:
    """Refused when the candidate's precision at capacity is below production's, measured on
    the same test rows, by more than `margin`."""
    mine = candidate.metrics["precision_at_capacity"]
    theirs = champion.metrics["precision_at_capacity"]
    passed = bool(theirs - mine <= margin + 1e-12)
    detail = (
        ""
        if passed
        else f"champion comparison: precision at capacity {mine:.4f} is below production "
        f"{champion_label} ({theirs:.4f}) by {theirs - mine:.4f}, more than the margin {margin}"
    )
    return [
        GateCheck("champion.precision_at_capacity", mine, ">=", theirs - margin, passed, detail)
    ]


def apply_gate(
    test: Evaluation, gate: Gate | CapacityGate, champion: tuple[str, Evaluation] | None = None
) -> GateResult:
    alerting = isinstance(gate, CapacityGate)
    checks = alerting_checks(test, gate) if alerting else gate_checks(test, gate)
    champion_summary = None
    if champion is not None:
        label, champion_eval = champion
        compare = alerting_champion_checks if alerting else champion_checks
        checks += compare(test, champion_eval, label, gate.champion_margin)
        champion_summary = {
            "version": label,
            "metrics": champion_eval.metrics,
            "margin": gate.champion_margin,
        }
    return GateResult(all(c.passed for c in checks), checks, champion_summary)
