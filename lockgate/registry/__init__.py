"""The model registry (MLflow): versions with lineage, and artifacts handed out only after a digest check."""

from lockgate.registry.mlflow_registry import (
    DigestMismatch,
    ModelVersionRecord,
    alias_drift,
    fetch_verified_artifact,
    fetch_verified_model,
    find_version,
    get_version,
    latest_passing_version,
    list_versions,
    load_model,
    mirror_aliases,
    model_card,
    register_model,
    store_artifact,
)

__all__ = [
    "DigestMismatch",
    "ModelVersionRecord",
    "alias_drift",
    "fetch_verified_artifact",
    "fetch_verified_model",
    "find_version",
    "get_version",
    "latest_passing_version",
    "list_versions",
    "load_model",
    "mirror_aliases",
    "model_card",
    "register_model",
    "store_artifact",
]
