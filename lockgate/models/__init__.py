"""The models lockgate trains: each is a `ModelSpec` declared in a module of this package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ModelSpec:
    """What the platform needs to know to train, gate, register and score a model.

    Attributes:
        name: registry name, also the folder under training/ and scores/.
        label: the column holding the target in the training snapshot.
        text_column: the (masked) input column the pipeline reads.
        build_pipeline: returns an unfitted scikit-learn pipeline for a seed.
        gate: the key of this model's thresholds under `[gates]` in infra/envs/*.toml.
    """

    name: str
    label: str
    text_column: str
    build_pipeline: Callable[[int], Any]
    gate: str


class UnknownModel(KeyError):
    pass


def get_model(name: str) -> ModelSpec:
    from lockgate.models import routing

    models = {routing.SPEC.name: routing.SPEC}
    if name not in models:
        raise UnknownModel(f"no model {name!r}; known models: {sorted(models)}")
    return models[name]
