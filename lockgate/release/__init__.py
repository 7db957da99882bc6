"""Change-managed releases: bundles, change requests, approvals, deployment with verification and
automatic rollback, history, and the audit chain.

Names are loaded on first use, so that light parts (windows, identity) do not pull in MLflow.
"""

from importlib import import_module

_EXPORTS = {
    "ChainReport": "ledger",
    "IllegalTransition": "ledger",
    "Ledger": "ledger",
    "ChangeManager": "changes",
    "ChangeRefused": "changes",
    "DeploymentOutcome": "deploy",
    "VerificationFailed": "deploy",
    "change_manager": "deploy",
    "environment_status": "deploy",
    "open_ledger": "deploy",
    "release_to_environment": "deploy",
    "verify_release": "deploy",
    "history": "history",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'lockgate.release' has no attribute {name!r}")
    return getattr(import_module(f"lockgate.release.{_EXPORTS[name]}"), name)
