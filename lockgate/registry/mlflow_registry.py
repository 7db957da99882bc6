"""MLflow as the model registry. Models are skops files, never pickles; every version carries its lineage."""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lockgate.config import Settings

# MLflow phones home unless told not to; this platform runs inside a bank's network.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")

MODEL_FILE = "model.skops"
METADATA_FILE = "metadata.json"
CARD_FILE = "model_card.md"
# Types a lockgate model may contain when loaded; anything else is refused.
TRUSTED_PREFIXES = ("sklearn.", "numpy.", "scipy.", "builtins.", "collections.")


class DigestMismatch(RuntimeError):
    """An artifact's bytes do not match the digest recorded for it; it must not be used."""


class UntrustedModel(RuntimeError):
    """A model file holds types outside the allow-list; it is never deserialised."""


@dataclass(frozen=True)
class ModelVersionRecord:
    name: str
    version: str
    run_id: str
    source: str
    artifact_sha256: str
    metadata: dict


def _client(settings: Settings):
    import mlflow
    from mlflow import MlflowClient

    if settings.mlflow_tracking_uri.startswith("sqlite:///"):  # the embedded default's file store
        Path(settings.mlflow_tracking_uri.removeprefix("sqlite:///")).parent.mkdir(
            parents=True, exist_ok=True
        )
    mlflow.set_tracking_uri(settings.mlflow_tracking_uri)
    return MlflowClient(tracking_uri=settings.mlflow_tracking_uri)


def _experiment_id(client, settings: Settings, model: str) -> str:
    name = f"lockgate/{model}"
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        return experiment.experiment_id
    return client.create_experiment(
        name, artifact_location=f"{settings.mlflow_artifact_root}/{model}"
    )


def find_version(settings: Settings, model: str, artifact_sha256: str, snapshot: str) -> str | None:
    """The version already registered for these exact bytes and training data, if any."""
    client = _client(settings)
    versions = client.search_model_versions(
        f"name='{model}' and tags.artifact_sha256='{artifact_sha256}'"
    )
    for version in versions:
        if version.tags.get("snapshot_digest") == snapshot:
            return str(version.version)
    return None


def latest_passing_version(settings: Settings, model: str) -> ModelVersionRecord | None:
    """The newest version of `model` whose gate passed, or None when there is none."""
    client = _client(settings)
    versions = client.search_model_versions(f"name='{model}' and tags.gate_passed='True'")
    if not versions:
        return None
    newest = max(versions, key=lambda v: int(v.version))
    return get_version(settings, model, str(newest.version))


def register_model(
    settings: Settings,
    model: str,
    model_bytes: bytes,
    metadata: dict,
    params: dict,
    metrics: dict[str, float],
    lineage: dict[str, str],
    trials: list[dict] | None = None,
    card: Callable[[str, dict], str] | None = None,
    artifacts: dict[str, bytes] | None = None,
) -> ModelVersionRecord:
    """Log a training run (its search trials as child runs) and register its model; a retry with
    identical inputs reuses the version.

    `card(version, metadata)` renders the version's model card, stored beside the model file;
    `artifacts` are more files stored beside it (name -> bytes; their digests belong in
    `metadata`, and they are read back with `fetch_verified_artifact`).
    """
    from mlflow.exceptions import MlflowException

    digest = hashlib.sha256(model_bytes).hexdigest()
    client = _client(settings)
    existing = find_version(settings, model, digest, lineage["snapshot_digest"])
    if existing is not None:
        return get_version(settings, model, existing)

    experiment_id = _experiment_id(client, settings, model)
    run = client.create_run(experiment_id, tags={**lineage, "artifact_sha256": digest})
    run_id = run.info.run_id
    for key, value in params.items():
        client.log_param(run_id, key, value)
    for key, value in metrics.items():
        client.log_metric(run_id, key, float(value))
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / MODEL_FILE).write_bytes(model_bytes)
        for name, data in (artifacts or {}).items():
            (Path(tmp) / name).write_bytes(data)
        (Path(tmp) / METADATA_FILE).write_text(
            json.dumps({**metadata, "artifact_sha256": digest}, indent=2, sort_keys=True)
        )
        client.log_artifacts(run_id, tmp, artifact_path="model")
    for trial in trials or []:
        child = client.create_run(
            experiment_id,
            run_name=f"trial-{trial['trial']}",
            tags={
                "mlflow.parentRunId": run_id,
                "lockgate.trial": str(trial["trial"]),
                "host": trial["host"],
                **lineage,
            },
        )
        for key, value in trial["params"].items():
            client.log_param(child.info.run_id, key, json.dumps(value))
        for key in ("macro_f1", "manual_review_rate", "accuracy", "seconds"):
            client.log_metric(
                child.info.run_id,
                f"validation_{key}" if key != "seconds" else key,
                float(trial[key]),
            )
        client.set_terminated(child.info.run_id)
    client.set_terminated(run_id)
    try:
        client.create_registered_model(model)
    except MlflowException as exc:
        if "RESOURCE_ALREADY_EXISTS" not in str(exc.error_code):
            raise
    version = client.create_model_version(
        model,
        source=f"{run.info.artifact_uri}/model",
        run_id=run_id,
        tags={**lineage, "artifact_sha256": digest, "gate_passed": str(metadata["gate"]["passed"])},
    )
    if card is not None:
        text = card(str(version.version), {**metadata, "artifact_sha256": digest})
        client.log_text(run_id, text, f"model/{CARD_FILE}")
    return get_version(settings, model, str(version.version))


def model_card(settings: Settings, model: str, version: str) -> str:
    """The Markdown model card registered with a version."""
    source = _client(settings).get_model_version(model, version).source
    return _artifact(source, CARD_FILE).decode()


def _artifact(source: str, name: str) -> bytes:
    """The bytes of one file of a version's artifacts."""
    import mlflow

    with tempfile.TemporaryDirectory() as tmp:
        local = mlflow.artifacts.download_artifacts(artifact_uri=f"{source}/{name}", dst_path=tmp)
        return Path(local).read_bytes()


def list_versions(settings: Settings) -> list[dict]:
    """Every registered version, newest first per model, with its tags, metrics and aliases
    (read from the registry and the run; no artifact is downloaded)."""
    client = _client(settings)
    listed = []
    for registered in client.search_registered_models():
        aliases: dict[str, list[str]] = {}
        for alias, version in (registered.aliases or {}).items():
            aliases.setdefault(str(version), []).append(alias)
        versions = client.search_model_versions(f"name='{registered.name}'")
        for mv in sorted(versions, key=lambda v: -int(v.version)):
            metrics = client.get_run(mv.run_id).data.metrics if mv.run_id else {}
            listed.append(
                {
                    "name": mv.name,
                    "version": str(mv.version),
                    "created_ms": mv.creation_timestamp,
                    "run_id": mv.run_id,
                    "tags": dict(mv.tags),
                    "metrics": dict(metrics),
                    "aliases": sorted(aliases.get(str(mv.version), [])),
                }
            )
    return listed


def get_version(settings: Settings, model: str, version: str) -> ModelVersionRecord:
    client = _client(settings)
    mv = client.get_model_version(model, version)
    metadata = json.loads(_artifact(mv.source, METADATA_FILE))
    return ModelVersionRecord(
        name=model,
        version=str(mv.version),
        run_id=mv.run_id,
        source=mv.source,
        artifact_sha256=mv.tags["artifact_sha256"],
        metadata=metadata,
    )


def fetch_verified_model(
    settings: Settings, model: str, version: str, expected_sha256: str
) -> bytes:
    """The model file's bytes, after checking them against the digest the release recorded."""
    return fetch_verified_artifact(settings, model, version, MODEL_FILE, expected_sha256)


def fetch_verified_artifact(
    settings: Settings,
    model: str,
    version: str,
    name: str,
    expected_sha256: str,
    recorder: str = "the release's",
) -> bytes:
    """One file stored beside a version's model, after checking it against the digest that
    `recorder` (the release, by default) recorded for it."""
    record = get_version(settings, model, version)
    data = _artifact(record.source, name)
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        label = "artifact" if name == MODEL_FILE else name
        raise DigestMismatch(
            f"{model} v{version}: {label} sha256 {actual} does not match {recorder} "
            f"{expected_sha256}; refusing to use it"
        )
    return data


def store_artifact(settings: Settings, model: str, version: str, name: str, data: bytes) -> None:
    """Store a file beside a registered version's model (e.g. a release's compiled library,
    named by its digest); readers check it with `fetch_verified_artifact`."""
    client = _client(settings)
    run_id = client.get_model_version(model, version).run_id
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / name).write_bytes(data)
        client.log_artifact(run_id, str(Path(tmp) / name), artifact_path="model")


def load_model(data: bytes):
    """A fitted estimator from skops bytes; refuses any type outside the allow-list."""
    sio = skops_io()

    untrusted = sio.get_untrusted_types(data=data)
    refused = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if refused:
        raise UntrustedModel(f"model file contains types outside the allow-list: {refused}")
    return sio.loads(data, trusted=untrusted)


def _aliases(client, model: str) -> dict[str, str]:
    from mlflow.exceptions import MlflowException

    try:
        return {alias: str(v) for alias, v in client.get_registered_model(model).aliases.items()}
    except MlflowException:
        return {}


def mirror_aliases(settings: Settings, environment: str, models: dict[str, str]) -> None:
    """Make the alias `environment` point at `models` ({name: version}) and at nothing else.

    The ledger decides what is deployed; the aliases copy it for people and tools that read
    MLflow. Models that no longer carry the alias lose it."""
    client = _client(settings)
    for registered in client.search_registered_models():
        aliases = _aliases(client, registered.name)
        wanted = models.get(registered.name)
        if wanted is None and environment in aliases:
            client.delete_registered_model_alias(registered.name, environment)
        elif wanted is not None and aliases.get(environment) != str(wanted):
            client.set_registered_model_alias(registered.name, environment, str(wanted))


def alias_drift(settings: Settings, environment: str, models: dict[str, str]) -> list[str]:
    """Where MLflow's alias `environment` disagrees with the ledger's `models`; empty when none."""
    client = _client(settings)
    drift = []
    for registered in client.search_registered_models():
        alias = _aliases(client, registered.name).get(environment)
        wanted = models.get(registered.name)
        if alias != (str(wanted) if wanted is not None else None):
            drift.append(
                f"{registered.name}@{environment} is v{alias} in MLflow but "
                f"{'v' + str(wanted) if wanted else 'absent'} in the ledger"
            )
    return drift


def skops_io():
    """`skops.io`, imported without the FutureWarnings its import raises in an Airflow process.

    On import skops finds the module of each scipy ufunc (which has no `__module__`) by reading
    its name from every loaded module; each of Airflow's deprecated-module shims answers such a
    read with a warning (`airflow.utils.timezone.xlogy ... is deprecated`), about 1,100 of them.
    Nothing of lockgate's is deprecated there, so those, from skops only, are dropped."""
    if "skops.io" not in sys.modules:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning, module=r"skops\.")
            import skops.io  # noqa: F401
    return sys.modules["skops.io"]
