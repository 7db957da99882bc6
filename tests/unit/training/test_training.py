import dataclasses
import hashlib
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from support import BIN, install_plugin, install_plugins

from lockgate.models import Gate, get_model, registered_models
from lockgate.models.urgency import NUMERIC
from lockgate.registry import load_model
from lockgate.training.evaluation import (
    NEVER,
    apply_gate,
    choose_threshold,
    choose_thresholds,
    evaluate,
    rows_needed,
    split_of,
    wilson_lower_bound,
    withhold_unproven,
)
from lockgate.training.fit import model_to_bytes, sha256_hex, split_snapshot, train_candidate
from lockgate.training.search import best_trial, grid


def _doc_id(i: int) -> str:
    return hashlib.sha256(str(i).encode()).hexdigest()


def test_the_wilson_bound_agrees_with_scipy_and_needs_73_right_rows_for_95_percent():
    from scipy.stats import binomtest

    for rows in (1, 7, 73, 400):
        for right in sorted({0, rows // 2, rows - 1, rows} - {-1}):
            expected = binomtest(right, rows).proportion_ci(0.95, method="wilson").low
            assert wilson_lower_bound(right, rows, 0.95) == pytest.approx(expected, abs=1e-12)
    assert rows_needed(0.95, 0.95) == 73
    assert wilson_lower_bound(72, 72, 0.95) < 0.95 <= wilson_lower_bound(73, 73, 0.95)
    assert rows_needed(0.90, 0.95) == 35 and rows_needed(0.95, 0.90) == 52


def test_threshold_is_the_lowest_confidence_whose_lower_bound_holds_precision():
    # 200 right at 0.99, then right and wrong in turn at falling confidences, then 30 right.
    confidence = np.r_[np.full(200, 0.99), np.linspace(0.98, 0.80, 20), np.linspace(0.7, 0.6, 30)]
    correct = np.r_[np.ones(200, bool), np.tile([True, False], 10), np.ones(30, bool)]
    t = choose_threshold(confidence, correct, target_precision=0.95, level=0.95)
    # 205 of 209 right: 0.9809, bound 0.9518; one more row (205 of 210) has bound 0.9470, and
    # all 250 (240 right, 0.96) only 0.9280: a point estimate would have taken them all.
    assert (t.decided, t.precision) == (209, 205 / 209)
    assert t.value == confidence[208] and t.lower_bound == pytest.approx(0.95183, abs=1e-5)
    assert t.manual_review_rate == pytest.approx(41 / 250)


def test_threshold_search_matches_a_brute_force_search_with_scipy():
    from scipy.stats import binomtest

    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(50, 400))
        confidence = np.round(rng.uniform(0.3, 1.0, n), 2)  # rounded: plenty of ties
        correct = rng.uniform(0, 1, n) < 0.5 + confidence / 2
        best = None
        for value in sorted(set(confidence), reverse=True):
            routed = confidence >= value
            k, m = int(correct[routed].sum()), int(routed.sum())
            if binomtest(k, m).proportion_ci(0.95, method="wilson").low >= 0.9:
                best = value
        t = choose_threshold(confidence, correct, 0.9, 0.95)
        assert t.value == (best if best is not None else NEVER)


def test_a_cut_never_splits_rows_of_equal_confidence():
    # 80 right at 0.9, then 5 at 0.8 of which the first is right and the rest wrong.
    confidence = np.r_[np.full(80, 0.9), np.full(5, 0.8)]
    correct = np.r_[np.ones(81, bool), np.zeros(4, bool)]
    t = choose_threshold(confidence, correct, target_precision=0.95, level=0.95)
    assert (t.value, t.decided) == (0.9, 80)  # 81 of 81 would pass, but 0.8 brings in all five


def test_too_few_or_too_wrong_rows_send_everything_to_review():
    few = choose_threshold(np.full(72, 0.99), np.ones(72, bool), 0.95, 0.95)
    wrong = choose_threshold(np.array([0.9, 0.8]), np.array([False, False]), 0.95, 0.95)
    for t in (few, wrong):
        assert t.value > 1 and t.manual_review_rate == 1.0 and t.decided == 0


def _proba(rows):
    """rows of (p_a, p_b) -> probabilities for classes a, b."""
    return np.array(rows, dtype=float)


def _rows(n: int, p_a: float, truth: str) -> tuple[list, list]:
    return [(p_a, 1 - p_a)] * n, [truth] * n


def _evaluated(parts: list[tuple[int, float, str]], thresholds: dict, level: float = 0.95):
    proba, truth = [], []
    for n, p_a, label in parts:
        rows, labels = _rows(n, p_a, label)
        proba += rows
        truth += labels
    return (
        _proba(proba),
        np.array(truth),
        evaluate(_proba(proba), ["a", "b"], np.array(truth), thresholds, level=level),
    )


def test_each_class_gets_its_own_threshold_holding_its_precision_at_the_bound():
    # a: 300 right at 0.9; b: 120 right at 0.95 (p_a 0.05) and 40 wrong at 0.6 (p_a 0.4).
    proba, truth, _ = _evaluated([(300, 0.9, "a"), (120, 0.05, "b"), (40, 0.4, "a")], {})
    thresholds = choose_thresholds(proba, ["a", "b"], truth, 0.95, 0.95)
    assert thresholds == {"a": 0.9, "b": 0.95}
    result = evaluate(proba, ["a", "b"], truth, thresholds)
    b = result.per_class["b"]
    assert (b["predicted"], b["auto_decided"], b["auto_right"], b["auto_precision"]) == (
        160,
        120,
        120,
        1.0,
    )
    assert b["auto_lower_bound"] == pytest.approx(wilson_lower_bound(120, 120, 0.95))
    assert result.metrics["manual_review_rate"] == pytest.approx(40 / 460)


def test_a_class_with_too_few_test_rows_goes_to_manual_review_and_the_model_is_released():
    gate = Gate(min_precision=0.95, max_manual_review_rate=0.3, min_macro_f1=0.5)
    # Validation gave both classes a threshold; on test b has 40 automatically decided rows,
    # all right, which cannot show 0.95 at the bound (73 are needed).
    proba, truth, test = _evaluated([(200, 0.9, "a"), (40, 0.05, "b")], {"a": 0.9, "b": 0.95})
    assert not apply_gate(test, gate).passed  # judged as it stands, b's bound is 0.912
    thresholds, withheld = withhold_unproven(test, {"a": 0.9, "b": 0.95}, gate)
    assert thresholds == {"a": 0.9, "b": NEVER}
    assert withheld == {
        "b": "40 automatically decided test rows, fewer than the 73 that could "
        "show precision >= 0.95 at the 95% lower bound"
    }
    released = apply_gate(evaluate(proba, ["a", "b"], truth, thresholds), gate)
    assert released.passed, released.explain()
    assert [c.metric for c in released.checks] == [
        "macro_f1",
        "precision_lower_bound[a]",
        "manual_review_rate",
    ]
    assert released.checks[-1].value == pytest.approx(40 / 240)  # what withholding b costs


def test_a_class_whose_lower_bound_is_below_the_minimum_refuses_the_model_by_name():
    gate = Gate(min_precision=0.95, max_manual_review_rate=0.3, min_macro_f1=0.5)
    # b: 100 automatically routed rows, 97 right: 0.97 as a point, 0.9155 at the bound.
    _, _, test = _evaluated(
        [(200, 0.9, "a"), (97, 0.05, "b"), (3, 0.05, "a")], {"a": 0.9, "b": 0.95}
    )
    thresholds, withheld = withhold_unproven(test, {"a": 0.9, "b": 0.95}, gate)
    assert withheld == {}  # 100 rows are evidence enough: the bound is judged
    result = apply_gate(test, gate)
    assert not result.passed
    assert result.explain() == (
        "precision[b]: 97 of 100 automatically routed test rows right (0.9700), lower bound "
        "0.9155 (95% Wilson) is below 0.95"
    )


def test_a_rare_class_is_left_to_manual_review_when_a_real_model_is_trained():
    spec = get_model("routing")
    snapshot = _text_snapshot(n=1500, kyc_every=25)
    splits = split_snapshot(snapshot, spec)
    gate = Gate(min_precision=0.95, max_manual_review_rate=0.3, min_macro_f1=0.5)
    trained = train_candidate(splits, spec, dict(spec.params), 7, gate)
    kyc = trained.test.per_class["kyc"]
    assert trained.thresholds["kyc"] == NEVER and kyc["auto_decided"] == 0
    assert kyc["routing"].startswith("manual review: no confidence cut of the ")
    assert {cls: s["routing"] for cls, s in trained.test.per_class.items() if cls != "kyc"} == {
        "payments": "auto-routed",
        "custody": "auto-routed",
    }
    result = apply_gate(trained.test, gate)
    assert result.passed, result.explain()
    assert trained.test.metrics["manual_review_rate"] == pytest.approx(
        kyc["support"] / trained.test.rows, abs=0.01
    )


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
    _, _, test = _evaluated([(100, 0.9, "a"), (80, 0.1, "b"), (20, 0.1, "a")], {"a": 0.5, "b": 0.5})
    result = apply_gate(
        test, Gate(min_precision=0.95, max_manual_review_rate=0.3, min_macro_f1=0.9)
    )
    assert not result.passed
    explained = result.explain()
    assert "precision[b]: 80 of 100 automatically routed test rows right (0.8000)" in explained
    assert "macro_f1=" in explained and "precision[a]" not in explained


def test_champion_comparison_refuses_a_worse_candidate_naming_metric_and_margin():
    classes = ["a", "b"]
    truth = np.array(["a", "b", "a", "b"])
    good = evaluate(
        _proba([(0.9, 0.1), (0.1, 0.9), (0.8, 0.2), (0.2, 0.8)]),
        classes,
        truth,
        {"a": 0.5, "b": 0.5},
    )
    worse = evaluate(
        _proba([(0.9, 0.1), (0.6, 0.4), (0.8, 0.2), (0.2, 0.8)]),
        classes,
        truth,
        {"a": 0.5, "b": 0.5},
    )
    # Two rows a class: only a low bar on precision's bound (2 of 2 right: 0.34) leaves the
    # champion comparison as the only check that can fail.
    gate = Gate(
        min_precision=0.3, max_manual_review_rate=1.0, min_macro_f1=0.5, champion_margin=0.02
    )
    refused = apply_gate(worse, gate, ("routing v1 (prod)", good))
    assert not refused.passed
    assert (
        "champion comparison: macro_f1=0.7333 is worse than production routing v1 (prod) "
        "(1.0000) by 0.2667, more than the margin 0.02"
    ) in refused.explain()
    assert refused.to_dict()["champion"]["version"] == "routing v1 (prod)"
    assert apply_gate(good, gate, ("routing v1 (prod)", good)).passed  # equal is fine


def test_split_is_stable_by_content():
    ids = [_doc_id(i) for i in range(2000)]
    sides = [split_of(i) for i in ids]
    assert 0.15 < sides.count("test") / len(ids) < 0.25
    assert 0.15 < sides.count("validation") / len(ids) < 0.25
    assert sides == [split_of(i) for i in ids]


def _text_snapshot(n: int = 1500, kyc_every: int = 3):
    rng = np.random.default_rng(0)
    words = {
        "payments": "pay transfer iban wire",
        "custody": "holding safekeeping isin certificate",
        "kyc": "owner passport address onboarding",
    }
    rows = []
    for i in range(n):
        label = "kyc" if i % kyc_every == 2 else ["payments", "custody"][i % 2]
        text = " ".join(rng.choice(words[label].split(), 6)) + " please"
        rows.append({"doc_id": _doc_id(i), "masked_text": text, "label": label})
    return pd.DataFrame(rows)


def _tabular_snapshot():
    rng = np.random.default_rng(1)
    rows = []
    for i in range(1500):
        row = {c: float(rng.integers(0, 4)) for c in NUMERIC}
        row |= {
            "doc_id": _doc_id(i),
            "max_amount": float(rng.uniform(0, 5e6)),
            "language": str(rng.choice(["en", "fr", "nl", "de"])),
        }
        row["label"] = "urgent" if row["max_amount"] > 3e6 else "routine"
        rows.append(row)
    return pd.DataFrame(rows)


SNAPSHOTS = {"routing": _text_snapshot, "urgency": _tabular_snapshot}


@pytest.mark.parametrize("model", sorted(SNAPSHOTS))
def test_training_twice_from_the_same_snapshot_gives_the_same_model_bytes(model):
    spec = get_model(model)
    first = train_candidate(
        split_snapshot(SNAPSHOTS[model](), spec),
        spec,
        dict(spec.params),
        7,
        Gate(min_precision=0.9, max_manual_review_rate=0.4, min_macro_f1=0.85),
    )
    shuffled = SNAPSHOTS[model]().sample(frac=1, random_state=1)
    second = train_candidate(
        split_snapshot(shuffled, spec),
        spec,
        dict(spec.params),
        7,
        Gate(min_precision=0.9, max_manual_review_rate=0.4, min_macro_f1=0.85),
    )
    assert sha256_hex(model_to_bytes(first.estimator)) == sha256_hex(
        model_to_bytes(second.estimator)
    )
    assert first.test.metrics == second.test.metrics
    assert first.test.metrics["macro_f1"] > 0.9 and first.canary
    other_seed = train_candidate(
        split_snapshot(SNAPSHOTS[model](), spec),
        spec,
        {**spec.params, **{k: v[0] for k, v in spec.search_space.items()}},
        7,
        Gate(min_precision=0.9, max_manual_review_rate=0.4, min_macro_f1=0.85),
    )
    assert sha256_hex(model_to_bytes(other_seed.estimator)) != sha256_hex(
        model_to_bytes(first.estimator)
    )  # other parameters are another model: the digest is not blind to them


@pytest.mark.parametrize("model", sorted(SNAPSHOTS))
def test_model_bytes_load_back_through_the_allow_list(model):
    spec = get_model(model)
    splits = split_snapshot(SNAPSHOTS[model](), spec)
    trained = train_candidate(
        splits,
        spec,
        dict(spec.params),
        7,
        Gate(min_precision=0.9, max_manual_review_rate=0.4, min_macro_f1=0.85),
    )
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
        split_snapshot(_text_snapshot(), spec),
        spec,
        dict(spec.params),
        7,
        Gate(min_precision=0.9, max_manual_review_rate=0.4, min_macro_f1=0.85),
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

    trials = [
        Trial(0, {}, 0.90, 0.90, 0.1, 0.9, 1, "h"),
        Trial(1, {}, 0.95, 0.95, 0.2, 0.9, 1, "h"),
        Trial(2, {}, 0.95, 0.95, 0.1, 0.9, 1, "h"),
        Trial(3, {}, 0.95, 0.95, 0.1, 0.9, 1, "h"),
    ]
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
                 estimator=estimator, params={"max_depth": 2}, gate=Gate(min_precision=0.95, max_manual_review_rate=0.4, min_macro_f1=0.0))
"""


def test_an_installed_plugin_is_registered_by_its_entry_point(tmp_path):
    env = install_plugin(tmp_path, "toy_length", PLUGIN)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "from lockgate.models import registered_models as r; print(sorted(r()))",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert out.strip() == "['routing', 'toy_length', 'urgency']"


BROKEN = {
    "no_spec": "VALUE = 1\n",
    "fails_to_import": "import no_such_package_anywhere\n",
    "shadows_routing": PLUGIN.replace('name="toy_length"', 'name="routing"'),
    "regressor": PLUGIN.replace('name="toy_length"', 'name="toy_regressor"')
    .replace("DecisionTreeClassifier(", "DecisionTreeRegressor(")
    .replace("import DecisionTreeClassifier", "import DecisionTreeRegressor"),
    "bad_space": PLUGIN.replace('name="toy_length"', 'name="toy_space"').replace(
        'params={"max_depth": 2}', 'params={"max_depth": 2}, search_space={"max_dpth": (2, 3)}'
    ),
    "bad_input": PLUGIN.replace('name="toy_length"', 'name="toy_input"').replace(
        'inputs=("text_chars",)', 'inputs=("text_length",)'
    ),
    "toy_length": PLUGIN,
}


def test_broken_plugins_are_skipped_named_and_checked_while_the_others_load(tmp_path):
    """A team's package whose modules break the protocol in each way a plug-in author might:
    the loadable models stay registered (the built-in routing keeps its name), each skipped
    module is named with its reason, and `lockgate models --check` names every problem the
    loadable ones have and exits 1."""
    env = install_plugins(tmp_path / "site", BROKEN) | {
        "LOCKGATE_HOME": str(tmp_path / "home"),
        "LOCKGATE_PROFILE": "local",
    }
    script = (
        "from lockgate.models import discover\n"
        "specs, broken = discover()\n"
        "print(sorted(specs))\n"
        "for b in broken: print(b.source, '|', b.problem)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    ).stdout.splitlines()
    assert out[0] == str(
        sorted(["routing", "urgency", "toy_length", "toy_regressor", "toy_space", "toy_input"])
    )
    skipped = dict(line.split(" | ") for line in out[1:])
    assert skipped == {
        "team_models.no_spec": "team_models.no_spec defines no SPEC = ModelSpec(...)",
        "team_models.fails_to_import": "cannot be imported: ModuleNotFoundError: "
        "No module named 'no_such_package_anywhere'",
        "team_models.shadows_routing": "declares the model 'routing', which "
        "lockgate.models.routing declared first",
    }
    checked = subprocess.run(
        [str(BIN / "lockgate"), "models", "--check", "--json"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert checked.returncode == 1, checked.stderr
    found = json.loads(checked.stdout)
    problems = {name: entry["problems"] for name, entry in found["models"].items()}
    assert problems["routing"] == problems["urgency"] == problems["toy_length"] == []
    assert problems["toy_regressor"] == [
        "the estimator DecisionTreeRegressor is not a classifier",
        "the estimator DecisionTreeRegressor has no predict_proba (the gate judges each "
        "class's probability)",
    ]
    assert problems["toy_space"] == [
        "search space ['max_dpth'] names no parameter of DecisionTreeClassifier"
    ]
    (wrong,) = problems["toy_input"]
    assert wrong.startswith("inputs ['text_length'] are not columns of the document table")
    assert "text_chars" in wrong  # what it offers
    assert [s["source"] for s in found["skipped"]] == list(skipped)
    assert "text_chars" in found["document_table"]


def test_models_command_lists_each_model_with_its_effective_gate(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from lockgate.cli.main import cli

    monkeypatch.setenv("LOCKGATE_HOME", str(tmp_path))
    monkeypatch.setenv("LOCKGATE_ENV", "prod")
    result = CliRunner().invoke(cli, ["models", "--json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.output)["models"]
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


def test_saving_and_loading_a_model_in_an_airflow_process_warns_of_nothing():
    """skops's import reads every scipy ufunc's name from every loaded module, and each of
    Airflow's deprecated-module shims warns for such a read: about 1,100 warnings per process
    that saves or loads a model, unless lockgate imports skops as it should."""
    import subprocess
    import sys

    script = """
import warnings
warnings.simplefilter("always")
import airflow.models, airflow.utils.timezone
import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from lockgate.registry import load_model
from lockgate.training.fit import model_to_bytes
rng = np.random.default_rng(1)
x = rng.normal(size=(200, 2))
model = HistGradientBoostingClassifier(max_iter=5).fit(x, x[:, 0] > 0)
assert (load_model(model_to_bytes(model)).predict(x) == model.predict(x)).all()
print("saved and loaded")
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "saved and loaded" in done.stdout
    said = done.stdout + done.stderr
    assert "is deprecated" not in said, said[:2000]
