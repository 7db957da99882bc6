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
