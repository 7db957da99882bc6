"""The release step of the pipeline: the versions the run's training registered, to an environment."""

from __future__ import annotations

from lockgate.config import settings
from lockgate.registry.mlflow_registry import get_version
from lockgate.release.deploy import deployed_version, record_refusals, release_to_environment
from lockgate.storage import Layout, read_json


class ReleaseFailed(RuntimeError):
    """The trained models could not be deployed (verification failed)."""


def release_trained_models(
    models: list[str], run_date: str, environment: str, actor: str, clock=None
) -> dict:
    """Deploy every model whose gate passed; a refused model keeps the version already deployed.

    The refusals are written to the audit log with the gate's explanation. When nothing
    changes (all refused, or the same versions are already there) no change request is opened.
    """
    config = settings()
    layout = Layout(config.storage_root)
    passed, refused, kept = [], [], []
    for model in models:
        trained = read_json(layout.model_manifest(model, run_date))
        record = get_version(config, model, trained["version"])
        (passed if record.metadata["gate"]["passed"] else refused).append(record)
    if refused:
        record_refusals(config, refused, environment, actor)
        kept = [r for r in (deployed_version(config, m.name, environment) for m in refused) if r]
    refusals = {r.name: f"v{r.version}: {r.metadata['gate']['explain']}" for r in refused}
    if not passed:
        return {
            "environment": environment,
            "status": "refused_by_gate",
            "refused": refusals,
            "release_id": None,
            "change_id": None,
        }
    names = ", ".join(f"{r.name} v{r.version}" for r in passed)
    outcome = release_to_environment(
        config,
        passed + kept,
        environment,
        actor,
        reason=f"{names} trained on {run_date} passed their gates"
        + (f"; kept {', '.join(f'{r.name} v{r.version}' for r in kept)}" if kept else ""),
        clock=clock,
    )
    if outcome.status == "verification_failed":
        raise ReleaseFailed(f"{outcome.release_id} failed verification: {outcome.detail}")
    return outcome.__dict__ | {"refused": refusals}
