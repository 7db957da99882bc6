import dataclasses
import hashlib
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from support import install_plugin

from lockgate.models import Gate, InvalidModel, get_model, registered_models
from lockgate.models.urgency import NUMERIC
from lockgate.registry import load_model
from lockgate.training.evaluation import (
    apply_gate,
    choose_threshold,
    choose_thresholds,
    evaluate,
    split_of,
)
from lockgate.training.fit import model_to_bytes, sha256_hex, split_snapshot, train_candidate
from lockgate.training.search import best_trial, grid


def _doc_id(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()


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


def _proba(rows):
    """rows of (p_a, p_b) -> probabilities for classes a, b."""
    return np.array(rows, dtype=float)


def test_each_class_gets_its_own_threshold_holding_its_precision():
    classes = ["a", "b"]
    # Class a is sure and right; class b is right above 0.8 and wrong below.
    proba = _proba([(0.9, 0.1), (0.8, 0.2), (0.1, 0.9), (0.15, 0.85), (0.3, 0.7), (0.35, 0.65)])
    truth = np.array(["a", "a", "b", "b", "a", "a"])
    thresholds = choose_thresholds(proba, classes, truth, 0.95)
    assert thresholds == {"a": 0.8, "b": 0.85}
    result = evaluate(proba, classes, truth, thresholds)
    assert (
        result.per_class["b"]["auto_decided"] == 2
        and result.per_class["b"]["auto_precision"] == 1.0
    )
    assert result.metrics["manual_review_rate"] == pytest.approx(2 / 6)
    assert result.metrics["min_class_precision"] == 1.0


def test_evaluation_records_the_confusion_matrix_and_confidence_histogram():
    classes = ["a", "b"]
    proba = _proba([(0.9, 0.1), (0.8, 0.2), (0.1, 0.9), (0.15, 0.85), (0.3, 0.7), (0.35, 0.65)])
    truth = np.array(["a", "a", "b", "b", "a", "a"])
    result = evaluate(proba, classes, truth, {"a": 0.5, "b": 0.5})
    # Two a's predicted b (0.7 and 0.65 for b), everything else right.
    assert result.confusion == {"a": {"a": 2, "b": 2}, "b": {"a": 0, "b": 2}}
    correct, wrong = result.confidence["correct"], result.confidence["wrong"]
    assert len(correct) == len(wrong) == 10 and sum(correct) == 4 and sum(wrong) == 2
    assert wrong[6] == 2  # 0.65 and 0.7 (the edge 0.7 is 0.70000000000000007 in floats)
    assert correct[8] == 2 and correct[9] == 2  # 0.8 and 0.85; 0.9 twice


def test_gate_names_the_failing_class_and_metric():
    classes = ["a", "b"]
    proba = _proba([(0.9, 0.1), (0.8, 0.2), (0.1, 0.9), (0.2, 0.8), (0.3, 0.7)])
    truth = np.array(["a", "a", "b", "a", "a"])
    test = evaluate(proba, classes, truth, {"a": 0.5, "b": 0.5})
    result = apply_gate(
        test, Gate(min_precision=0.95, max_manual_review_rate=0.3, min_macro_f1=0.9)
    )
    assert not result.passed
    explained = result.explain()
    assert "precision[b]=0.3333 is not >= 0.95" in explained
    assert "macro_f1=" in explained and "precision[a]" not in explained


def test_champion_comparison_refuses_a_worse_candidate_naming_metric_and_margin():
    classes = ["a", "b"]
    truth = np.array(["a", "b", "a", "b"])
    good = evaluate(_proba([(0.9, 0.1), (0.1, 0.9), (0.8, 0.2), (0.2, 0.8)]), classes, truth,
                    {"a": 0.5, "b": 0.5})  # fmt: skip
    worse = evaluate(_proba([(0.9, 0.1), (0.6, 0.4), (0.8, 0.2), (0.2, 0.8)]), classes, truth,
                     {"a": 0.5, "b": 0.5})  # fmt: skip
    gate = Gate(
        min_precision=0.5, max_manual_review_rate=1.0, min_macro_f1=0.5, champion_margin=0.02
    )
    refused = apply_gate(worse, gate, ("routing v1 (prod)", good))
    assert not refused.passed
    assert ("champion comparison: macro_f1=0.7333 is worse than production routing v1 (prod) "
            "(1.0000) by 0.2667, more than the margin 0.02") in refused.explain()  # fmt: skip
    assert refused.to_dict()["champion"]["version"] == "routing v1 (prod)"
    assert apply_gate(good, gate, ("routing v1 (prod)", good)).passed  # equal is fine


def test_split_is_stable_by_content():
    ids = [_doc_id(i) for i in range(2000)]
    sides = [split_of(i) for i in ids]
    assert 0.15 < sides.count("test") / len(ids) < 0.25
    assert 0.15 < sides.count("validation") / len(ids) < 0.25
    assert sides == [split_of(i) for i in ids]


def _text_snapshot():
    rng = np.random.default_rng(0)
    words = {"payments": "pay transfer iban wire", "custody": "holding safekeeping isin certificate",
             "kyc": "owner passport address onboarding"}  # fmt: skip
    rows = []
    for i in range(300):
        label = list(words)[i % 3]
        text = " ".join(rng.choice(words[label].split(), 6)) + " please"
        rows.append({"doc_id": _doc_id(i), "masked_text": text, "label": label})
    return pd.DataFrame(rows)


def _tabular_snapshot():
    rng = np.random.default_rng(1)
    rows = []
    for i in range(600):
        row = {c: float(rng.integers(0, 4)) for c in NUMERIC}
        row |= {"doc_id": _doc_id(i), "max_amount": float(rng.uniform(0, 5e6)),
                "language": str(rng.choice(["en", "fr", "nl", "de"]))}  # fmt: skip
        row["label"] = "urgent" if row["max_amount"] > 3e6 else "routine"
        rows.append(row)
    return pd.DataFrame(rows)


SNAPSHOTS = {"routing": _text_snapshot, "urgency": _tabular_snapshot}


@pytest.mark.parametrize("model", sorted(SNAPSHOTS))
def test_training_twice_from_the_same_snapshot_gives_the_same_model_bytes(model):
    spec = get_model(model)
    first = train_candidate(
        split_snapshot(SNAPSHOTS[model](), spec), spec, dict(spec.params), 7, 0.9
    )
    shuffled = SNAPSHOTS[model]().sample(frac=1, random_state=1)
    second = train_candidate(split_snapshot(shuffled, spec), spec, dict(spec.params), 7, 0.9)
    assert sha256_hex(model_to_bytes(first.estimator)) == sha256_hex(
        model_to_bytes(second.estimator)
    )
    assert first.test.metrics == second.test.metrics
    assert first.test.metrics["macro_f1"] > 0.9 and first.canary
    other_seed = train_candidate(split_snapshot(SNAPSHOTS[model](), spec), spec,
                                 {**spec.params, **{k: v[0] for k, v in spec.search_space.items()}},
                                 7, 0.9)  # fmt: skip
    assert sha256_hex(model_to_bytes(other_seed.estimator)) != sha256_hex(
        model_to_bytes(first.estimator)
    )  # other parameters are another model: the digest is not blind to them


@pytest.mark.parametrize("model", sorted(SNAPSHOTS))
def test_model_bytes_load_back_through_the_allow_list(model):
    spec = get_model(model)
    splits = split_snapshot(SNAPSHOTS[model](), spec)
    trained = train_candidate(splits, spec, dict(spec.params), 7, 0.9)
    loaded = load_model(model_to_bytes(trained.estimator))
    inputs = splits.test[list(spec.inputs)]
    assert (loaded.predict_proba(inputs) == trained.estimator.predict_proba(inputs)).all()


def test_the_featurizer_is_swapped_without_touching_the_estimator():
    def hashed():
        from sklearn.compose import ColumnTransformer
        from sklearn.feature_extraction.text import HashingVectorizer

        return ColumnTransformer([("text", HashingVectorizer(n_features=2**12), "masked_text")])

    spec = dataclasses.replace(get_model("routing"), featurizer=hashed)
    trained = train_candidate(
        split_snapshot(_text_snapshot(), spec), spec, dict(spec.params), 7, 0.9
    )
    assert (
        type(trained.estimator.named_steps["features"].transformers_[0][1]).__name__
        == "HashingVectorizer"
    )
    assert type(trained.estimator.named_steps["estimator"]).__name__ == "LogisticRegression"
    assert trained.test.metrics["macro_f1"] > 0.9


def test_search_grid_is_the_defaults_overlaid_with_each_combination_in_order():
    trials = grid({"C": 4.0, "tol": 1e-4}, {"C": (1.0, 16.0), "penalty": ("l2",)}, max_trials=8)
    assert trials == [
        {"C": 1.0, "tol": 1e-4, "penalty": "l2"},
        {"C": 16.0, "tol": 1e-4, "penalty": "l2"},
    ]
    assert grid({"C": 4.0}, {}, 8) == [{"C": 4.0}]
    assert len(grid({}, {"a": (1, 2, 3), "b": (1, 2, 3)}, max_trials=4)) == 4


def test_best_trial_prefers_macro_f1_then_fewer_reviews_then_the_earliest():
    from lockgate.training.search import Trial

    trials = [Trial(0, {}, 0.90, 0.1, 0.9, 1, "h"), Trial(1, {}, 0.95, 0.2, 0.9, 1, "h"),
              Trial(2, {}, 0.95, 0.1, 0.9, 1, "h"), Trial(3, {}, 0.95, 0.1, 0.9, 1, "h")]  # fmt: skip
    assert best_trial(trials).trial == 2


def test_both_shipped_models_follow_the_protocol():
    models = registered_models()
    assert {"routing", "urgency"} <= set(models)
    assert models["urgency"].inputs != models["routing"].inputs
    assert type(models["urgency"].estimator({}, 1)).__name__ == "HistGradientBoostingClassifier"


PLUGIN = """
from lockgate.models import Gate, ModelSpec


def featurizer():
    from sklearn.compose import ColumnTransformer
    return ColumnTransformer([("n", "passthrough", ["text_chars"])])


def estimator(params, seed):
    from sklearn.tree import DecisionTreeClassifier
    return DecisionTreeClassifier(random_state=seed, **params)


SPEC = ModelSpec(name="toy_length", description="Department from the length of the text.",
                 label="department", inputs=("text_chars",), featurizer=featurizer,
                 estimator=estimator, params={"max_depth": 2}, gate=Gate(min_macro_f1=0.0))
"""


def test_an_installed_plugin_is_registered_by_its_entry_point(tmp_path):
    env = install_plugin(tmp_path, "toy_length", PLUGIN)
    out = subprocess.run(
        [sys.executable, "-c", "from lockgate.models import registered_models as r; print(sorted(r()))"],
        capture_output=True, text=True, env=env, check=True,
    ).stdout  # fmt: skip
    assert out.strip() == "['routing', 'toy_length', 'urgency']"


def test_a_module_without_a_spec_is_refused_with_its_name(tmp_path):
    env = install_plugin(tmp_path, "broken", "VALUE = 1\n")
    result = subprocess.run(
        [sys.executable, "-c", "from lockgate.models import registered_models as r; r()"],
        capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert result.returncode != 0
    assert "team_models.broken defines no SPEC = ModelSpec(...)" in result.stderr
    assert InvalidModel.__name__ in result.stderr


def test_models_command_lists_each_model_with_its_effective_gate(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from lockgate.cli.main import cli

    monkeypatch.setenv("LOCKGATE_HOME", str(tmp_path))
    monkeypatch.setenv("LOCKGATE_ENV", "prod")
    result = CliRunner().invoke(cli, ["models", "--json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.output)
    assert listing["routing"]["gate"]["min_macro_f1"] == 0.90  # prod's override
    assert listing["urgency"]["label"] == "urgency"
    assert listing["urgency"]["search_space"] == {"learning_rate": [0.05, 0.2], "max_depth": [3, 5]}


def test_the_card_says_when_training_kept_only_the_newest_documents():
    from lockgate.training.card import _capped

    assert _capped({"labelled_rows": 1_000_000, "max_rows": 250_000}) == [
        "- the newest 250,000 of 1,000,000 labelled documents (policy training.max_rows)"
    ]
    assert _capped({"labelled_rows": 2_000, "max_rows": 250_000}) == []
    assert _capped({"label_counts": {}}) == []  # a card of a version trained before the cap
