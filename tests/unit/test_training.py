import hashlib

import numpy as np
import pandas as pd
import pytest

from lockgate.config import RoutingGate
from lockgate.models import get_model
from lockgate.training.evaluation import apply_gate, choose_threshold, is_holdout
from lockgate.training.fit import fit_and_evaluate, model_to_bytes, sha256_hex


def test_threshold_is_the_lowest_confidence_that_holds_precision():
    confidence = np.array([0.99, 0.95, 0.90, 0.80, 0.70, 0.60])
    correct = np.array([True, True, True, False, True, False])
    t = choose_threshold(confidence, correct, target_precision=0.8)
    assert t.value == 0.70
    assert t.precision == pytest.approx(0.8)
    assert t.manual_review_rate == pytest.approx(1 / 6)


def test_unreachable_precision_sends_everything_to_review():
    t = choose_threshold(np.array([0.9, 0.8]), np.array([False, False]), 0.95)
    assert t.value > 1 and t.manual_review_rate == 1.0


def test_gate_names_the_failing_metric():
    gate = RoutingGate(min_macro_f1=0.9, min_accuracy=0.9, target_precision=0.95,
                       max_manual_review_rate=0.3)  # fmt: skip
    result = apply_gate({"macro_f1": 0.85, "accuracy": 0.95, "auto_route_precision": 0.96,
                         "manual_review_rate": 0.5}, gate)  # fmt: skip
    assert not result.passed
    assert "macro_f1=0.8500 is not >= 0.9" in result.explain()
    assert "manual_review_rate=0.5000 is not <= 0.3" in result.explain()


def _doc_id(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()


def test_split_is_stable_by_content():
    ids = [_doc_id(i) for i in range(1000)]
    share = sum(map(is_holdout, ids)) / len(ids)
    assert 0.15 < share < 0.25
    assert [is_holdout(i) for i in ids] == [is_holdout(i) for i in ids]


def _snapshot():
    rng = np.random.default_rng(0)
    words = {"payments": "pay transfer iban wire", "custody": "holding safekeeping isin certificate",
             "kyc": "owner passport address onboarding"}  # fmt: skip
    rows = []
    for i in range(300):
        label = list(words)[i % 3]
        text = " ".join(rng.choice(words[label].split(), 6)) + " please"
        rows.append({"doc_id": _doc_id(i), "masked_text": text, "label": label})
    return pd.DataFrame(rows)


def test_training_twice_gives_the_same_model_bytes():
    spec = get_model("routing")
    first = fit_and_evaluate(_snapshot(), spec, 0.95)
    second = fit_and_evaluate(_snapshot().sample(frac=1, random_state=1), spec, 0.95)
    assert sha256_hex(model_to_bytes(first.estimator)) == sha256_hex(
        model_to_bytes(second.estimator)
    )
    assert first.metrics == second.metrics
    assert first.metrics["accuracy"] > 0.9
    assert len(first.canary) > 0


def test_model_bytes_load_back_through_the_allow_list():
    from lockgate.registry import load_model

    trained = fit_and_evaluate(_snapshot(), get_model("routing"), 0.95)
    loaded = load_model(model_to_bytes(trained.estimator))
    texts = ["pay the wire", "passport and address"]
    assert (loaded.predict_proba(texts) == trained.estimator.predict_proba(texts)).all()
