"""Release bundles: the exact models, code, suites and config a release is made of, each with a digest."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import zipfile

from lockgate.config import Settings, repo_root
from lockgate.registry import ModelVersionRecord

SUITES = ("extracted_documents", "extraction_run", "training_set", "scores")


def model_suites(models: list[str]) -> list[str]:
    """Suites that exist for some models only: `training_set.<model>` (e.g. its label values)."""
    from lockgate.validation import suite_exists

    return [f"training_set.{m}" for m in models if suite_exists(f"training_set.{m}")]


def code_version() -> str:
    """The git commit lockgate runs from (`-dirty` if the tree has changes); LOCKGATE_CODE_VERSION wins."""
    configured = os.environ.get("LOCKGATE_CODE_VERSION")
    if configured:
        return configured
    root = repo_root()
    if zipfile.is_zipfile(
        root
    ):  # a YARN container: the job zip records the commit it was built from
        return json.loads(zipfile.Path(root, "lockgate/BUILD.json").read_text())["code_version"]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{commit}-dirty" if dirty else commit


def digest(payload: object) -> str:
    """sha256 of a JSON-able value, keys sorted: the same content gives the same digest."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def build_bundle(settings: Settings, models: list[ModelVersionRecord]) -> tuple[str, dict]:
    """(release_id, bundle); the id is the digest of the content, so equal content = equal id."""
    from lockgate.cluster.package import job_zip_sha256
    from lockgate.validation import suite_digest

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
