"""Release bundles: the exact models, code, suites and config a release is made of, each with a digest."""

from __future__ import annotations

from lockgate.config import Settings
from lockgate.provenance import code_version, digest, job_zip_sha256
from lockgate.registry import ModelVersionRecord
from lockgate.validation import suite_digest, suite_exists

SUITES = ("extracted_documents", "extraction_run", "training_set", "scores")


def model_suites(models: list[str]) -> list[str]:
    """Suites that exist for some models only: `training_set.<model>` (e.g. its label values)."""
    return [f"training_set.{m}" for m in models if suite_exists(f"training_set.{m}")]


def build_bundle(settings: Settings, models: list[ModelVersionRecord]) -> tuple[str, dict]:
    """(release_id, bundle); the id is the digest of the content, so equal content = equal id."""
    bundle = {
        "models": [
            {
                "name": m.name,
                "version": m.version,
                "artifact_sha256": m.artifact_sha256,
                "snapshot_digest": m.metadata["snapshot_digest"],
                "inputs": m.metadata["inputs"],
                "thresholds": m.metadata["thresholds"],
                "gate": m.metadata["gate"],
                "canary_sha256": digest(m.metadata["canary"]),
            }
            for m in sorted(models, key=lambda m: m.name)
        ],
        "code": {"commit": code_version(), "job_zip_sha256": job_zip_sha256(settings)},
        "suites": {
            name: suite_digest(name)
            for name in (*SUITES, *model_suites(sorted(m.name for m in models)))
        },
        "config_sha256": digest(settings.policy.model_dump()),
    }
    return f"rel-{digest(bundle)[:16]}", bundle
