"""The person-name model as the pipeline uses it: train and register once, then load the gated version."""

from __future__ import annotations

from lockgate.config import Settings
from lockgate.extraction import person_model
from lockgate.registry import fetch_verified_model, latest_passing_version, register_model

TRAIN_TEXTS = 1200
HOLDOUT_TEXTS = 300
# Training letters come from seeds no evaluation corpus uses.
TRAIN_SEED, HOLDOUT_SEED = 9001, 9002


def ensure_person_model(settings: Settings, lineage: dict[str, str]) -> dict:
    """The gated person model in the registry; trains and registers one when there is none."""
    existing = latest_passing_version(settings, person_model.MODEL_NAME)
    if existing is not None:
        return {"model": existing.name, "version": existing.version, "trained": False,
                "artifact_sha256": existing.artifact_sha256,
                "metrics": existing.metadata.get("metrics", {})}  # fmt: skip
    trained = person_model.train(
        person_model.training_data(TRAIN_TEXTS, TRAIN_SEED),
        person_model.training_data(HOLDOUT_TEXTS, HOLDOUT_SEED),
    )
    f1, precision = trained.metrics["f1"], trained.metrics["precision"]
    passed = f1 >= person_model.MIN_F1 and precision >= person_model.MIN_PRECISION
    metadata = {
        "model": person_model.MODEL_NAME,
        "kind": "spacy-ner",
        "metrics": trained.metrics,
        "gate": {"passed": passed, "min_f1": person_model.MIN_F1,
                 "min_precision": person_model.MIN_PRECISION,
                 "explain": f"holdout F1 {f1} vs minimum {person_model.MIN_F1}, precision "
                            f"{precision} vs minimum {person_model.MIN_PRECISION}"},
    }  # fmt: skip
    record = register_model(
        settings, person_model.MODEL_NAME, trained.model_bytes, metadata, trained.params,
        trained.metrics, {**lineage, "snapshot_digest": trained.data_digest},
    )  # fmt: skip
    if not passed:
        raise RuntimeError(
            f"{person_model.MODEL_NAME} v{record.version} failed its gate: {metadata['gate']['explain']}"
        )
    return {
        "model": record.name,
        "version": record.version,
        "trained": True,
        "artifact_sha256": record.artifact_sha256,
        "metrics": trained.metrics,
    }


def released_person_model(settings: Settings) -> tuple[str, bytes] | None:
    """(version, verified bytes) of the newest gated person model, or None when none is registered."""
    record = latest_passing_version(settings, person_model.MODEL_NAME)
    if record is None:
        return None
    data = fetch_verified_model(settings, record.name, record.version, record.artifact_sha256)
    return record.version, data
