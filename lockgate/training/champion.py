"""The champion: the version of a model deployed in the comparison environment (prod by default),
re-scored on the candidate's own test rows so both are measured on the same documents."""

from __future__ import annotations

import pandas as pd

from lockgate.config import Settings
from lockgate.models import CapacityGate, Gate, ModelSpec
from lockgate.registry import ModelVersionRecord, fetch_verified_model, load_model
from lockgate.training.evaluation import Evaluation, evaluate_rows


def score_champion(
    settings: Settings,
    champion: ModelVersionRecord,
    test: pd.DataFrame,
    spec: ModelSpec,
    gate: Gate | CapacityGate,
) -> Evaluation:
    """The champion's metrics on `test`, with the champion's own thresholds (and, for an
    alerting model, at the candidate's gate's capacity)."""
    estimator = load_model(
        fetch_verified_model(settings, champion.name, champion.version, champion.artifact_sha256)
    )
    inputs = champion.metadata["inputs"]
    missing = sorted(set(inputs) - set(test.columns))
    if missing:
        raise ValueError(
            f"production {champion.name} v{champion.version} reads {missing}, which the "
            "candidate's snapshot does not have; the two cannot be compared"
        )
    proba = estimator.predict_proba(test[inputs])
    classes = [str(c) for c in estimator.classes_]
    return evaluate_rows(proba, classes, test, champion.metadata["thresholds"], spec, gate)
