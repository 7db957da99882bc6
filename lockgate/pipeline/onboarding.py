"""Whether a delivered dataset has reached this installation yet, and so whether the models
that read it can run (no Spark here: the DAG's Python tasks ask it too)."""

from __future__ import annotations

from lockgate.models import get_model
from lockgate.storage import Layout, uri_exists
from lockgate.storage.files import filesystem


def awaiting_first_delivery(layout: Layout, dataset: str, run_date: str) -> bool:
    """Whether this installation has not yet received `dataset` by `run_date`: nothing landed
    for the day, and no delivery of the day or before was ingested.

    A feed starts with its first delivery (a bank onboards one with an initial load of its
    history). Until then the models that read it are not trained or scored, and the DAGs say
    so instead of failing every other model's run. From then on, a day without its delivery is
    refused: a late or lost file is an incident, not a quiet day."""
    if uri_exists(layout.dataset_landing(dataset, run_date)):
        return False
    fs, path = filesystem(layout.ingestion_manifests(dataset))
    if not fs.exists(path):
        return True
    # The manifests' names alone (`run_date=<date>.json`, compared as text): a write's temporary
    # file or a stray file beside them does not make a feed look delivered.
    names = (name.rsplit("/", 1)[-1] for name in fs.ls(path, detail=False))
    days = [n for n in names if n.startswith("run_date=") and n.endswith(".json")]
    return not any(day <= f"run_date={run_date}.json" for day in days)


def awaited_datasets(layout: Layout, model: str, run_date: str) -> list[str]:
    """The datasets the model `model` reads (its own and its label's) that await their first
    delivery by `run_date`; none for a document model."""
    spec = get_model(model)
    if spec.on_documents:
        return []
    names = dict.fromkeys((spec.dataset, spec.label_definition.dataset))
    return [name for name in names if awaiting_first_delivery(layout, name, run_date)]
