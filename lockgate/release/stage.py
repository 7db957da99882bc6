"""The release step of the pipeline: take the version the run's training registered to an environment."""

from __future__ import annotations

from lockgate.config import settings
from lockgate.registry.mlflow_registry import get_version
from lockgate.release.deploy import release_to_environment
from lockgate.storage import Layout, read_json


class ReleaseFailed(RuntimeError):
    """The trained model could not be deployed (verification failed)."""


def release_trained_model(model: str, run_date: str, environment: str, actor: str) -> dict:
    """Deploy the run's model version if its gate passed; a refused gate keeps the current release."""
    config = settings()
    trained = read_json(Layout(config.storage_root).manifest(f"model/{model}", run_date))
    record = get_version(config, model, trained["version"])
    outcome = release_to_environment(
        config, [record], environment, actor,
        reason=f"{model} v{record.version} trained on {run_date} passed its gate",
    )  # fmt: skip
    if outcome.status == "verification_failed":
        raise ReleaseFailed(f"{outcome.release_id} failed verification: {outcome.detail}")
    return outcome.__dict__
