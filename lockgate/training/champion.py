"""The champion: the version of a model deployed in the comparison environment (prod by default),
re-scored on the candidate's own test rows so both are measured on the same documents."""

from __future__ import annotations

import pandas as pd

from lockgate.config import Settings
from lockgate.registry import ModelVersionRecord, fetch_verified_model, load_model
from lockgate.training.evaluation import Evaluation, evaluate


def score_champion(
    settings: Settings, champion: ModelVersionRecord, test: pd.DataFrame, extra_metrics
) -> Evaluation:
    """The champion's metrics on `test`, with the champion's own thresholds."""
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
    return evaluate(
        proba, classes, test["label"].to_numpy(), champion.metadata["thresholds"], extra_metrics
    )
