"""Hyper-parameter search fanned out across Spark executors: one trial per task.

The grid comes from the model's `search_space`. Every trial fits on the training split and is
measured on the validation split (thresholds chosen there too); the test split is never seen.
Results come back to the driver for selection and tracking; the chosen parameters are then
refitted on the driver, which is the same fit `lockgate reproduce` repeats.
"""

from __future__ import annotations

import itertools
import json
import socket
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pyspark.sql import SparkSession

from lockgate.models import Gate, ModelSpec
from lockgate.spark import share

TRIAL_SCHEMA = (
    "trial int, params string, objective double, macro_f1 double, manual_review_rate double, "
    "accuracy double, seconds double, host string"
)


@dataclass(frozen=True)
class Trial:
    trial: int
    params: dict[str, Any]
    objective: float  # `lockgate.training.evaluation.objective`: what the search maximises
    macro_f1: float
    manual_review_rate: float
    accuracy: float
    seconds: float
    host: str


def grid(defaults: Mapping[str, Any], space: Mapping[str, tuple], max_trials: int) -> list[dict]:
    """The defaults overlaid with every combination of the space, in a fixed order."""
    keys = sorted(space)
    combos = [
        dict(zip(keys, values, strict=True))
        for values in itertools.product(*(space[k] for k in keys))
    ]
    trials = [{**defaults, **combo} for combo in combos] or [dict(defaults)]
    return trials[:max_trials]


def _run_trials(
    model: str, seed: int, gate: Gate, data, batches: Iterator[pd.DataFrame]
) -> Iterator[pd.DataFrame]:
    from lockgate.models import get_model
    from lockgate.training.evaluation import objective
    from lockgate.training.fit import fit_and_validate

    spec = get_model(model)
    train, validation = data.value
    for batch in batches:
        rows = []
        for trial, params_json in zip(batch["trial"], batch["params"], strict=True):
            started = time.perf_counter()
            *_, evaluation = fit_and_validate(
                spec, json.loads(params_json), seed, train, validation, gate
            )
            metrics = evaluation.metrics
            rows.append(
                {
                    "trial": int(trial),
                    "params": params_json,
                    "objective": objective(evaluation),
                    "macro_f1": metrics["macro_f1"],
                    "manual_review_rate": metrics["manual_review_rate"],
                    "accuracy": metrics["accuracy"],
                    "seconds": time.perf_counter() - started,
                    "host": socket.gethostname(),
                }
            )
        yield pd.DataFrame(rows, columns=[c.split()[0] for c in TRIAL_SCHEMA.split(", ")])


def run_search(
    spark: SparkSession,
    spec: ModelSpec,
    train: pd.DataFrame,
    validation: pd.DataFrame,
    seed: int,
    gate: Gate,
    max_trials: int,
) -> list[Trial]:
    """Every trial of the grid, run as Spark tasks (one per trial), in trial order."""
    candidates = grid(spec.params, spec.search_space, max_trials)
    data = share(spark, (train, validation))
    frame = spark.createDataFrame(
        [(i, json.dumps(p, sort_keys=True)) for i, p in enumerate(candidates)],
        "trial int, params string",
    ).repartition(len(candidates), "trial")
    model = spec.name

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        return _run_trials(model, seed, gate, data, batches)

    rows = frame.mapInPandas(run, TRIAL_SCHEMA).collect()
    data.unpersist()
    return sorted(
        (
            Trial(
                r["trial"],
                json.loads(r["params"]),
                r["objective"],
                r["macro_f1"],
                r["manual_review_rate"],
                r["accuracy"],
                r["seconds"],
                r["host"],
            )
            for r in rows
        ),
        key=lambda t: t.trial,
    )


def best_trial(trials: list[Trial]) -> Trial:
    """The highest objective on validation (macro-F1, or an alerting model's precision at
    capacity), then the lowest manual-review rate, then the earliest trial."""
    return min(trials, key=lambda t: (-t.objective, t.manual_review_rate, t.trial))
