"""Scoring's decision rule: a row is decided automatically when its confidence reaches the
threshold of the class it was given, else it goes to manual review."""

import numpy as np

from lockgate.scoring.batch import decide


def test_a_row_is_auto_routed_only_at_its_own_class_threshold():
    classes = np.asarray(["kyc", "payments"])
    proba = np.asarray([[0.91, 0.09], [0.2, 0.8], [0.6, 0.4], [0.05, 0.95]])
    prediction, confidence, decision = decide(proba, classes, {"kyc": 0.9, "payments": 0.85})
    assert list(prediction) == ["kyc", "payments", "kyc", "payments"]
    assert list(confidence) == [0.91, 0.8, 0.6, 0.95]
    assert list(decision) == ["auto_route", "manual_review", "manual_review", "auto_route"]


def test_a_class_without_a_threshold_is_never_auto_routed():
    classes = np.asarray(["kyc", "payments"])
    _, _, decision = decide(np.asarray([[0.0, 1.0]]), classes, {"kyc": 0.5})
    assert list(decision) == ["manual_review"]


def test_a_row_sent_to_manual_review_carries_the_best_classes_best_first():
    from lockgate.scoring.batch import TOP_CLASSES, top_classes

    classes = np.asarray(["a", "b", "c", "d"])
    proba = np.asarray([[0.1, 0.4, 0.4, 0.1], [0.97, 0.01, 0.01, 0.01], [0.25, 0.25, 0.3, 0.2]])
    decision = np.asarray(["manual_review", "auto_route", "manual_review"])
    found = top_classes(proba, classes, decision).to_pylist()
    assert found[1] is None
    assert [c["label"] for c in found[0]] == ["b", "c", "a"]  # a tie keeps the class order
    assert [c["label"] for c in found[2]] == ["c", "a", "b"][:TOP_CLASSES]
    assert found[2][0]["probability"] == 0.3
