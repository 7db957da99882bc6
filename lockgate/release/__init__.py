"""Change-managed releases: bundles, change requests, deployment with verification, and the audit chain."""

from lockgate.release.deploy import (
    DeploymentOutcome,
    VerificationFailed,
    current_actor,
    environment_status,
    open_ledger,
    release_to_environment,
    verify_release,
)
from lockgate.release.ledger import ChainReport, IllegalTransition, Ledger

__all__ = [
    "ChainReport",
    "DeploymentOutcome",
    "IllegalTransition",
    "Ledger",
    "VerificationFailed",
    "current_actor",
    "environment_status",
    "open_ledger",
    "release_to_environment",
    "verify_release",
]
