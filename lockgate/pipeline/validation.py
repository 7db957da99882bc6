"""The validation stage: which suite guards which dataset of a run; each check writes its result
next to the data, and the scores' outcome is a scoring run of the release in the ledger."""

from __future__ import annotations

import pandas as pd

from lockgate.models import DOCUMENTS, is_alerting
from lockgate.pipeline import AwaitingFirstDelivery
from lockgate.pipeline.onboarding import awaited_datasets, awaiting_first_delivery
from lockgate.release.deploy import open_ledger
from lockgate.storage import Layout, read_json, read_parquet, uri_exists, write_json_atomic
from lockgate.storage.files import filesystem, write_bytes_atomic
from lockgate.validation.suites import ValidationReport, suite_exists, validate_frame


def _check(
    frame: pd.DataFrame,
    suite: str,
    layout: Layout,
    run_date: str,
    scope: str = "all",
    definition: dict | None = None,
) -> dict:
    report: ValidationReport = validate_frame(frame, suite, definition)
    result = layout.validation_result(suite, run_date, scope)
    docs = f"{result.rsplit('/', 1)[0]}/data_docs"
    fs, where = filesystem(docs)
    if fs.exists(where):  # a rerun's pages replace the last run's
        fs.rm(where, recursive=True)
    for page, html in report.data_docs.items():
        write_bytes_atomic(f"{docs}/{page}", html)
    write_json_atomic(result, {"summary": report.summary(), "gx_result": report.gx_result})
    report.raise_for_critical()
    return report.summary()


def validate_extraction(layout: Layout, run_date: str) -> list[dict]:
    """The run's accounting (nothing lost, quarantine in tolerance), then the documents themselves."""
    manifest = read_json(layout.extraction_manifest(run_date))
    accounted = manifest["parsed"] + manifest["duplicates"] + manifest["quarantined"]
    run = pd.DataFrame(
        [
            {
                "received": manifest["received"],
                "unaccounted": manifest["received"] - accounted,
                "quarantine_rate": manifest["quarantined"] / max(1, manifest["received"]),
            }
        ]
    )
    results = [_check(run, "extraction_run", layout, run_date)]
    documents = read_parquet(
        f"{layout.extracted}/{Layout.partition(run_date)}",
        columns=[
            "doc_id",
            "format",
            "language",
            "masked_text",
            "size_bytes",
            "text_chars",
            "sender_domain",
        ],
    )
    results.append(_check(documents, "extracted_documents", layout, run_date))
    return results + validate_label_decisions(layout, run_date)


def validate_label_decisions(layout: Layout, run_date: str) -> list[dict]:
    """The label store's decisions made on the run date, when there are any (a day without a
    decision is no defect: labels come when people and systems give them)."""
    day = layout.label_decision_day(run_date)
    if not uri_exists(day):
        return []
    return [_check(read_parquet(day), "label_decisions", layout, run_date)]


def validate_delivery(layout: Layout, dataset: str, run_date: str) -> dict:
    """A dataset's ingested delivery against the suite its declaration gives."""
    from lockgate.datasets import get_dataset

    spec = get_dataset(dataset)
    if awaiting_first_delivery(layout, dataset, run_date):
        # Nothing delivered yet, nothing ingested: the models that read it are skipped
        # (`validate_training_set`), the other models' run goes on.
        return {"suite": spec.suite_name, "awaiting_first_delivery": True}
    frame = read_parquet(f"{layout.dataset(dataset)}/{Layout.partition(run_date)}")
    return _check(frame, spec.suite_name, layout, run_date, dataset, spec.suite())


def validate_training_set(layout: Layout, model: str, run_date: str) -> list[dict]:
    """Every snapshot against `training_set` (a model on a dataset's against
    `training_set_on_dataset`), then against `training_set.<model>` if it exists. A model whose
    data awaits its first delivery has no snapshot: `AwaitingFirstDelivery`."""
    awaiting = awaited_datasets(layout, model, run_date)
    if awaiting:
        raise AwaitingFirstDelivery(
            f"{model} reads {', '.join(awaiting)}, which this installation has not received "
            f"yet by {run_date}: it is not trained until its first delivery (an initial load)"
        )
    manifest = read_json(layout.training_set_manifest(model, run_date))
    frame = read_parquet(layout.training_snapshot(model, manifest["snapshot"]))
    on_documents = manifest.get("dataset", DOCUMENTS) == DOCUMENTS
    suites = ["training_set" if on_documents else "training_set_on_dataset"]
    suites += [s for s in (f"training_set.{model}",) if suite_exists(s)]
    return [_check(frame, suite, layout, run_date, scope=model) for suite in suites]


def validate_scores(layout: Layout, environment: str, model: str, run_date: str) -> dict:
    """A day's scores of a model: the `scores` suite, or an alerting model's `alerts`."""
    frame = read_parquet(f"{layout.scores(environment, model)}/{Layout.partition(run_date)}")
    suite = "alerts" if is_alerting(model) else "scores"
    return _check(frame, suite, layout, run_date, scope=f"{environment}/{model}")


def validate_release_scores(
    settings, layout: Layout, environment: str, run_date: str, actor: str = "lockgate"
) -> list[dict]:
    """The scores of every model in the release that scored the run.

    The outcome is recorded in the ledger as a scoring run of that release: passed runs are the
    soak evidence a normal change to the next environment needs, a failed one blocks it.
    """
    ledger = open_ledger(settings)
    pointer = ledger.pointer(environment)
    if pointer is None:
        raise ValueError(f"no release in {environment}; nothing was scored")
    bundle = ledger.bundle(pointer.release_id)
    try:
        results = [validate_scores(layout, environment, m.name, run_date) for m in bundle.models]
    except Exception as exc:
        ledger.record_scoring_run(
            environment,
            pointer.release_id,
            run_date,
            False,
            f"{type(exc).__name__}: {exc}"[:2000],
            actor,
        )
        raise
    ledger.record_scoring_run(
        environment,
        pointer.release_id,
        run_date,
        True,
        f"{len(results)} model(s) validated",
        actor,
    )
    return results
