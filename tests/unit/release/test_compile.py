"""Tree models compiled to native code at release: the library scores as the skops model does
or the release does not carry it; a library whose bytes moved is never loaded; verification and
scoring use exactly the library the release recorded."""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from lockgate.config import load_settings
from lockgate.models import get_model
from lockgate.registry import load_model, register_model, store_artifact
from lockgate.release import compile as release_compile
from lockgate.release.compile import (
    compare,
    compile_release_models,
    compile_trees,
    compiled_release_entry,
    fetch_library,
    library_name,
)
from lockgate.scoring.batch import decide
from lockgate.scoring.compiled import TOLERANCE, CompiledTrees
from lockgate.training.fit import TEST_ROWS_FILE, held_out_parquet, model_to_bytes

URGENCY = get_model("urgency")


def _documents(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({c: rng.integers(0, 4, n).astype(float) for c in URGENCY.inputs[:-1]})
    frame["max_amount"] = rng.lognormal(8, 2, n).round(2)
    frame["text_chars"] = rng.integers(200, 5000, n).astype(float)
    frame["language"] = rng.choice(["en", "fr", "nl", "de"], n)
    frame.insert(0, "doc_id", [f"{i:08x}" for i in range(n)])
    return frame


def _urgency(seed: int = 1, **params):
    """The shipped urgency pipeline fitted on synthetic fields, through its skops bytes."""
    train = _documents(600, seed)
    label = np.where((train["max_amount"] > 5000) | (train["iban_count"] > 2), "urgent", "routine")
    pipeline = URGENCY.build_pipeline({**URGENCY.params, **params}, seed)
    pipeline.fit(train[list(URGENCY.inputs)], label)
    return load_model(model_to_bytes(pipeline))


@pytest.fixture(scope="module")
def urgency():
    return _urgency()


@pytest.fixture(scope="module")
def rows():
    return _documents(400, 7)[list(URGENCY.inputs)]


THRESHOLDS = {"urgent": 0.7, "routine": 0.8}


def test_the_compiled_urgency_model_scores_every_row_as_skops_does(urgency, rows):
    library = compile_trees(urgency)
    compiled = CompiledTrees(urgency, library, hashlib.sha256(library).hexdigest())
    expected, got = urgency.predict_proba(rows), compiled.predict_proba(rows)
    assert got.shape == expected.shape == (len(rows), 2)
    assert np.abs(got - expected).max() <= TOLERANCE
    classes = np.asarray(urgency.classes_)
    want_class, _, want_decision = decide(expected, classes, THRESHOLDS)
    got_class, _, got_decision = decide(got, classes, THRESHOLDS)
    assert list(got_class) == list(want_class) and list(got_decision) == list(want_decision)
    assert {"auto_route", "manual_review"} <= set(want_decision)  # the rows test both sides
    comparison = compare(urgency, compiled, rows, THRESHOLDS)
    assert comparison.identical and comparison.rows == len(rows)


@pytest.mark.parametrize("kind", ["hist_gradient_boosting", "random_forest"])
def test_a_three_class_tree_model_compiles_to_the_same_probabilities(kind):
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

    rng = np.random.default_rng(3)
    x = rng.normal(size=(500, 5))
    y = np.asarray(["a", "b", "c"])[(x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5).astype(int)]
    model = (
        HistGradientBoostingClassifier(max_iter=30, random_state=0)
        if kind == "hist_gradient_boosting"
        else RandomForestClassifier(n_estimators=5, max_depth=6, random_state=0)
    ).fit(x, y)
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    pipeline = make_pipeline(FunctionTransformer(), model)
    library = compile_trees(pipeline)
    compiled = CompiledTrees(pipeline, library, hashlib.sha256(library).hexdigest())
    assert compare(pipeline, compiled, pd.DataFrame(x), {"a": 0.6}).identical


def test_compiling_prints_nothing_and_logs_what_the_compiler_said(urgency, capfd, caplog):
    """A release runs on someone's screen (`make demo`, the CLI): the native libraries'
    log lines and warnings go to the log."""
    import logging

    with caplog.at_level(logging.INFO, logger="lockgate.release.compile"):
        assert compile_trees(load_model(model_to_bytes(urgency)))
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    assert any(r.message.startswith("compiler: ") for r in caplog.records)


def test_the_same_model_compiles_to_the_same_bytes(urgency):
    """A release id is the digest of its bundle, which names the library's sha256."""
    assert compile_trees(urgency) == compile_trees(load_model(model_to_bytes(urgency)))


def test_a_model_without_trees_is_not_compiled():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    pipeline = make_pipeline(FunctionTransformer(), LogisticRegression()).fit(
        [[0.0], [1.0], [2.0], [3.0]], ["a", "a", "b", "b"]
    )
    library, entry, why = compiled_release_entry(pipeline, pd.DataFrame([[1.0]]), {})
    assert (library, entry) == (None, None) and "not a tree ensemble" in why


def test_a_library_that_scores_differently_is_not_carried(urgency, rows, monkeypatch):
    """Another model's library (a compiler bug, a mix-up) under this model: the comparison
    finds the rows it decides differently, and the release keeps the skops model."""
    other = compile_trees(_urgency(seed=2, max_depth=5))
    monkeypatch.setattr(release_compile, "compile_trees", lambda pipeline: other)
    library, entry, why = compiled_release_entry(urgency, rows, THRESHOLDS)
    assert (library, entry) == (None, None)
    assert "compiled library not used" in why and "decisions differ" in why


def test_a_failed_compile_leaves_the_skops_model(urgency, rows, monkeypatch):
    """No C compiler on the host (PATH without gcc): the release is made without a library."""
    monkeypatch.setenv("PATH", "/nonexistent")
    library, entry, why = compiled_release_entry(urgency, rows, THRESHOLDS)
    assert (library, entry) == (None, None) and why.startswith("not compiled: ")


def test_a_library_whose_bytes_moved_is_never_loaded(urgency):
    library = compile_trees(urgency)
    sha256 = hashlib.sha256(library).hexdigest()
    edited = bytearray(library)
    edited[len(edited) // 2] ^= 0xFF
    with pytest.raises(ValueError, match="is not the recorded"):
        CompiledTrees(urgency, bytes(edited), sha256)


def test_a_file_planted_where_the_library_goes_is_refused(urgency, rows):
    """Another library (or a symlink to one) placed at the path where this one is opened:
    the bytes on disk are checked again before the library is loaded."""
    library = compile_trees(urgency)
    sha256 = hashlib.sha256(library).hexdigest()
    compiled = CompiledTrees(urgency, library, sha256)
    from lockgate.scoring import compiled as loader

    path = loader._private_directory() / f"{sha256}.so"
    assert path.exists()
    assert (os.stat(path.parent).st_mode & 0o777) == 0o700  # nobody else may write there
    planted = path.with_name("planted.so")
    planted.write_bytes(compile_trees(_urgency(seed=2, max_depth=5)))
    path.unlink()
    path.symlink_to(planted)
    with pytest.raises(ValueError, match="does not hold the recorded bytes"):
        CompiledTrees(urgency, library, sha256)
    path.unlink()
    assert np.abs(compiled.predict_proba(rows) - urgency.predict_proba(rows)).max() <= TOLERANCE


@pytest.fixture
def settings(tmp_path):
    return load_settings("local", "dev", tmp_path / "home")


def _register(settings, pipeline, test: pd.DataFrame):
    """An urgency version as training registers a tree model: its canary and test rows."""
    data = held_out_parquet(test, URGENCY)
    proba = pipeline.predict_proba(test[list(URGENCY.inputs)])
    canary = [
        {
            "doc_id": doc_id,
            "inputs": inputs,
            "prediction": str(pipeline.classes_[p.argmax()]),
            "confidence": float(p.max()),
        }
        for doc_id, inputs, p in zip(
            test["doc_id"][:5],
            test[list(URGENCY.inputs)][:5].to_dict("records"),
            proba[:5],
            strict=True,
        )
    ]
    metadata = {
        "gate": {"passed": True},
        "inputs": list(URGENCY.inputs),
        "thresholds": THRESHOLDS,
        "canary": canary,
        "test_rows": {
            "file": TEST_ROWS_FILE,
            "sha256": hashlib.sha256(data).hexdigest(),
            "rows": len(test),
        },
    }
    return register_model(
        settings,
        "urgency",
        model_to_bytes(pipeline),
        metadata,
        {},
        {},
        {"snapshot_digest": "s" * 64},
        artifacts={TEST_ROWS_FILE: data},
    )


def _bundled(record, compiled):
    from lockgate.provenance import digest
    from lockgate.release.bundle import BundledModel

    return BundledModel(
        record.name,
        record.version,
        record.artifact_sha256,
        "s" * 64,
        tuple(record.metadata["inputs"]),
        record.metadata["thresholds"],
        {},
        digest(record.metadata["canary"]),
        compiled,
    )


def test_a_release_compiles_verifies_and_scores_with_the_library_it_recorded(settings, urgency):
    """Compiled at release from the registry's bytes and compared on canary and test rows;
    verification loads the library by its digest; a library altered in the registry after
    the release fails verification and is refused at scoring."""
    from support import release_bundle

    from lockgate.pipeline.scoring import deployed_models
    from lockgate.release.bundle import BundledModel, ReleaseBundle
    from lockgate.release.deploy import change_manager, verify_release

    record = _register(settings, urgency, _documents(300, 11))
    compiled = compile_release_models(settings, [record])
    entry = compiled["urgency"]
    assert entry["rows_compared"] == 305 and entry["max_abs_diff"] <= TOLERANCE
    assert entry["engine"].startswith("treelite ")
    bundled = _bundled(record, entry)
    assert BundledModel.of(bundled.as_dict()) == bundled
    bundle = replace(release_bundle("c"), models=(bundled,))
    assert ReleaseBundle.of(bundle.as_dict()) == bundle
    # A bundle without a library keeps the JSON (so the id) it had before compilation existed.
    assert "compiled" not in _bundled(record, None).as_dict()
    verify_release(settings, bundle)
    library = fetch_library(settings, bundled)
    assert hashlib.sha256(library).hexdigest() == entry["sha256"]

    manager = change_manager(settings)
    manager.ledger.record_release("rel-c", bundle, "os:ci")
    manager.deploy("os:ci", manager.open("os:ci", "emergency", "dev", "compiled", "rel-c"))
    [(got, skops, scored_library)] = deployed_models(settings, "dev")[1]
    assert got.compiled == entry
    assert hashlib.sha256(scored_library).hexdigest() == entry["sha256"]

    store_artifact(
        settings, "urgency", record.version, library_name(entry["sha256"]), b"\x7fELF altered"
    )
    with pytest.raises(Exception, match="does not match the release's"):
        verify_release(settings, bundle)
    with pytest.raises(Exception, match="does not match the release's"):
        deployed_models(settings, "dev", "2026-12-07")


def test_a_version_without_test_rows_is_not_compiled(settings, urgency):
    """Versions registered before test rows were stored (or by another model) keep skops."""
    record = _register(settings, urgency, _documents(50, 12))
    bare = replace(record, metadata={k: v for k, v in record.metadata.items() if k != "test_rows"})
    assert compile_release_models(settings, [bare]) == {}


def test_test_rows_altered_in_the_registry_stop_the_release(settings, urgency):
    record = _register(settings, urgency, _documents(50, 13))
    store_artifact(settings, "urgency", record.version, TEST_ROWS_FILE, b"PAR1 altered")
    with pytest.raises(Exception, match="does not match the version's recorded"):
        compile_release_models(settings, [record])
