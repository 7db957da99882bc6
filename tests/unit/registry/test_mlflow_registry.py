"""The registry's public surface on a real MLflow store: registration (idempotent), the newest
gated version, and artifacts handed out only when their digest is the one a release recorded."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sklearn.linear_model import LogisticRegression

from lockgate.config import load_settings
from lockgate.registry import (
    DigestMismatch,
    fetch_verified_model,
    get_version,
    latest_passing_version,
    load_model,
    register_model,
)
from lockgate.registry.mlflow_registry import MODEL_FILE, UntrustedModel
from lockgate.training.fit import model_to_bytes


def _model(c: float) -> bytes:
    fitted = LogisticRegression(C=c).fit([[0.0], [1.0], [2.0], [3.0]], ["a", "a", "b", "b"])
    return model_to_bytes(fitted)


def _register(settings, data: bytes, passed: bool, snapshot: str):
    metadata = {"gate": {"passed": passed}, "inputs": ["x"]}
    lineage = {"snapshot_digest": snapshot, "code_version": "test"}
    return register_model(settings, "m", data, metadata, {"C": "1"}, {"f1": 0.9}, lineage)


@pytest.fixture
def settings(tmp_path):
    return load_settings("local", "dev", tmp_path / "home")


def test_registration_is_idempotent_and_the_newest_gated_version_is_found(settings):
    assert latest_passing_version(settings, "m") is None
    refused = _register(settings, _model(1.0), False, "s1")
    assert latest_passing_version(settings, "m") is None  # a refused version is never handed out
    passed = _register(settings, _model(2.0), True, "s2")
    again = _register(settings, _model(2.0), True, "s2")
    assert again.version == passed.version != refused.version
    assert latest_passing_version(settings, "m").version == passed.version
    assert get_version(settings, "m", passed.version).artifact_sha256 == (
        hashlib.sha256(_model(2.0)).hexdigest()
    )


def test_an_artifact_is_handed_out_only_with_the_digest_the_release_recorded(settings):
    data = _model(1.0)
    record = _register(settings, data, True, "s1")
    assert fetch_verified_model(settings, "m", record.version, record.artifact_sha256) == data
    assert load_model(data).predict([[3.0]])[0] == "b"
    with pytest.raises(DigestMismatch, match="does not match the release's"):
        fetch_verified_model(settings, "m", record.version, "0" * 64)
    # Someone with write access to the artifact store swaps the file.
    stored = Path(record.source.removeprefix("file://")) / MODEL_FILE
    stored.write_bytes(_model(5.0))
    with pytest.raises(DigestMismatch):
        fetch_verified_model(settings, "m", record.version, record.artifact_sha256)


class NotAnEstimator:
    pass


def test_a_model_file_with_a_type_outside_the_allow_list_is_refused():
    from skops.io import dumps

    with pytest.raises(UntrustedModel, match="outside the allow-list"):
        load_model(dumps(NotAnEstimator()))
