"""The person-name model's training: on generated letters, registered once in MLflow.

The pipeline's first task (`ensure_person_model`) runs this; the extraction stage loads the
gated version (`lockgate.pipeline.extraction`). The letters come from the sample corpus
generator, so this module is not in the job zip: no job imports it.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from lockgate.config import Settings
from lockgate.extraction import person_model
from lockgate.registry import latest_passing_version, register_model
from lockgate.storage.cache import cache_root, cached, key_of
from lockgate.tooling.corpus.compose import labelled_texts

TRAIN_TEXTS = 1200
HOLDOUT_TEXTS = 300
# Training letters come from seeds no evaluation corpus uses.
TRAIN_SEED, HOLDOUT_SEED = 9001, 9002


def ensure_person_model(settings: Settings, lineage: dict[str, str]) -> dict:
    """The gated person model in the registry; trains and registers one when there is none."""
    existing = latest_passing_version(settings, person_model.MODEL_NAME)
    if existing is not None:
        return {
            "model": existing.name,
            "version": existing.version,
            "trained": False,
            "artifact_sha256": existing.artifact_sha256,
            "metrics": existing.metadata.get("metrics", {}),
        }
    trained, build = _trained()
    f1, precision = trained.metrics["f1"], trained.metrics["precision"]
    passed = f1 >= person_model.MIN_F1 and precision >= person_model.MIN_PRECISION
    metadata = {
        "model": person_model.MODEL_NAME,
        "kind": "spacy-ner",
        "metrics": trained.metrics,
        "build_key": build,
        "gate": {
            "passed": passed,
            "min_f1": person_model.MIN_F1,
            "min_precision": person_model.MIN_PRECISION,
            "explain": f"holdout F1 {f1} vs minimum {person_model.MIN_F1}, precision "
            f"{precision} vs minimum {person_model.MIN_PRECISION}",
        },
    }
    record = register_model(
        settings,
        person_model.MODEL_NAME,
        trained.model_bytes,
        metadata,
        trained.params,
        trained.metrics,
        {**lineage, "snapshot_digest": trained.data_digest},
    )
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


def prepare(settings: Settings) -> None:
    """What the pipeline's first task would otherwise wait for, done ahead: the person model
    trained into the machine's cache (unless it is there, or the cache is off, when training now
    would only be done twice) and the home's model registry created. `lockgate demo` runs this
    beside the corpus's generation, each on a core of its own; `ensure_person_model` then
    registers the model in seconds."""
    if cache_root() is not None:
        _trained()
    latest_passing_version(settings, person_model.MODEL_NAME)


def _trained() -> tuple[person_model.TrainedPersonModel, str]:
    """The model trained on the generated letters, and the key of its build: training is a
    function of the seeds and the code, so one machine trains it once (`lockgate.storage.cache`)
    and every later home registers the same bytes."""
    inputs = {"train": [TRAIN_TEXTS, TRAIN_SEED], "holdout": [HOLDOUT_TEXTS, HOLDOUT_SEED]}

    def build(out: Path) -> None:
        trained = person_model.train(
            person_spans(TRAIN_TEXTS, TRAIN_SEED),
            person_spans(HOLDOUT_TEXTS, HOLDOUT_SEED),
        )
        (out / "model.msgpack").write_bytes(trained.model_bytes)
        described = {k: v for k, v in asdict(trained).items() if k != "model_bytes"}
        (out / "trained.json").write_text(json.dumps(described, sort_keys=True))

    with cached("person-model", inputs, build) as entry:
        described = json.loads((entry / "trained.json").read_text())
        model_bytes = (entry / "model.msgpack").read_bytes()
    return person_model.TrainedPersonModel(model_bytes, **described), key_of("person-model", inputs)


def person_spans(texts: int, seed: int) -> list[person_model.Labelled]:
    """Person spans of generated letters in four languages."""
    return [
        (text, [(s, e) for s, e, kind in spans if kind == "PERSON"])
        for _, text, spans in labelled_texts(texts, seed)
    ]
