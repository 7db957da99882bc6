"""A release bundle and a deployment as values: what the ledger stores reads back as the same
value, the release id stays the digest of the stored JSON, and the questions the pipeline, the
CLI and the UI ask are answered here once."""

import json

import pytest

from lockgate.provenance import digest
from lockgate.release.bundle import BundledModel, ReleaseBundle
from lockgate.release.deployment import Deployment

STORED = {  # a bundle as the ledger stores it (`releases.bundle`), before bundles were typed
    "models": [
        {
            "name": "routing",
            "version": "1",
            "artifact_sha256": "a" * 64,
            "snapshot_digest": "s" * 16,
            "inputs": ["text", "language"],
            "thresholds": {"kyc": 0.7, "payments": 0.6},
            "gate": {"passed": True, "explain": "all gate checks passed"},
            "canary_sha256": "c" * 64,
        },
        {
            "name": "urgency",
            "version": "2",
            "artifact_sha256": "b" * 64,
            "snapshot_digest": "t" * 16,
            "inputs": ["max_amount"],
            "thresholds": {"routine": 0.5, "urgent": 0.5},
            "gate": {"passed": True, "explain": "all gate checks passed"},
            "canary_sha256": "d" * 64,
        },
    ],
    "code": {"commit": "1749a1f", "job_zip_sha256": "z" * 64},
    "suites": {"scores": "e" * 64},
    "config_sha256": "f" * 64,
}


def test_a_stored_bundle_reads_back_as_the_same_json_and_keeps_its_release_id():
    bundle = ReleaseBundle.of(json.loads(json.dumps(STORED)))
    assert bundle.as_dict() == STORED
    assert json.dumps(bundle.as_dict(), sort_keys=True) == json.dumps(STORED, sort_keys=True)
    assert bundle.release_id == f"rel-{digest(STORED)[:16]}"
    assert ReleaseBundle.of(bundle.as_dict()) == bundle


def test_a_model_on_a_dataset_is_stored_with_its_dataset_and_a_document_model_without():
    fraud = STORED["models"][0] | {
        "name": "fraud",
        "inputs": ["amount"],
        "thresholds": {},
        "gate": {"passed": True, "thresholds": {"alerts_per_day": 10, "min_precision": 0.5}},
        "dataset": "transactions",
    }
    bundle = ReleaseBundle.of(STORED | {"models": [*STORED["models"], fraud]})
    assert (bundle.model("fraud").dataset, bundle.model("fraud").alerting) == ("transactions", True)
    assert (bundle.model("routing").dataset, bundle.model("routing").alerting) == (
        "documents",
        False,
    )
    # Scoring reads a model's dataset from its release, the package that declared it or not.
    assert bundle.as_dict()["models"][2]["dataset"] == "transactions"
    assert "dataset" not in bundle.as_dict()["models"][0]  # document models keep their JSON


def test_the_release_id_moves_with_any_part_of_the_content():
    bundle = ReleaseBundle.of(STORED)
    other_code = ReleaseBundle.of(STORED | {"code": {"commit": "other", "job_zip_sha256": "z"}})
    other_config = ReleaseBundle.of(STORED | {"config_sha256": "0" * 64})
    assert len({bundle.release_id, other_code.release_id, other_config.release_id}) == 3


def test_what_the_pipeline_cli_and_ui_ask_of_a_bundle():
    bundle = ReleaseBundle.of(STORED)
    assert bundle.model("urgency").inputs == ("max_amount",)
    assert bundle.model("fraud") is None
    assert bundle.carries("routing", 1) and bundle.carries("routing", "1")
    assert not bundle.carries("routing", "2") and not bundle.carries("fraud", "1")
    assert bundle.versions() == {"routing": "1", "urgency": "2"}
    assert bundle.describe() == "routing v1, urgency v2"


@pytest.mark.parametrize("field", ["models", "code", "suites", "config_sha256"])
def test_a_bundle_missing_a_part_is_refused_not_read_as_empty(field):
    with pytest.raises(KeyError, match=field):
        ReleaseBundle.of({k: v for k, v in STORED.items() if k != field})


def test_a_bundled_model_missing_its_digest_is_refused():
    entry = {k: v for k, v in STORED["models"][0].items() if k != "artifact_sha256"}
    with pytest.raises(KeyError, match="artifact_sha256"):
        BundledModel.of(entry)


def test_a_deployment_says_what_it_runs_and_since_when():
    row = {
        "environment": "prod",
        "release_id": "rel-1",
        "change_id": 2,
        "deployed_by": "demo:mia.operations",
        "deployed_at": "2026-12-14T08:30:00+00:00",
    }
    deployment = Deployment.of(row)
    assert deployment.runs("rel-1") and not deployment.runs("rel-2")
    assert deployment.since("2026-12-14T08:30:00+00:00")
    assert deployment.since("2026-12-15T00:00:00+00:00")
    assert not deployment.since("2026-12-14T08:29:59+00:00")
