"""Airflow tasks more than one DAG runs; their bodies import lockgate's heavy parts lazily."""

from __future__ import annotations

from airflow.sdk import task

from lockgate.release.identity import identity


@task
def validate_extraction(ds: str | None = None) -> list[dict]:
    from lockgate.config import settings
    from lockgate.pipeline.validation import validate_extraction
    from lockgate.storage import Layout

    return validate_extraction(Layout(settings().storage_root), ds)


@task
def validate_scores(
    environment: str, ds: str | None = None, run_id: str | None = None, dag=None
) -> list[dict]:
    """GX on the scores of every model in `environment`'s release; the outcome is recorded in
    the ledger as a scoring run of that release (soak evidence)."""
    from lockgate.config import settings
    from lockgate.pipeline.validation import validate_release_scores
    from lockgate.storage import Layout

    return validate_release_scores(
        settings(),
        Layout(settings().storage_root),
        environment,
        ds,
        actor=identity("airflow", dag.dag_id, run_id),
    )


@task
def validate_delivery(dataset: str, run_date: str) -> dict:
    """GX on a dataset's ingested delivery of the day (the suite its declaration gives)."""
    from lockgate.config import settings
    from lockgate.pipeline.validation import validate_delivery
    from lockgate.storage import Layout

    return validate_delivery(Layout(settings().storage_root), dataset, run_date)


@task
def validate_training_set(model: str, run_date: str) -> list[dict]:
    """GX on the model's snapshot of the day; skipped (and its training with it) while a
    dataset it reads awaits its first delivery, so the other models' run goes on."""
    from airflow.sdk.exceptions import AirflowSkipException

    from lockgate.config import settings
    from lockgate.pipeline import AwaitingFirstDelivery
    from lockgate.pipeline.validation import validate_training_set
    from lockgate.storage import Layout

    try:
        return validate_training_set(Layout(settings().storage_root), model, run_date)
    except AwaitingFirstDelivery as awaiting:
        raise AirflowSkipException(str(awaiting)) from None


@task(trigger_rule="none_failed_min_one_success")
def release_to_test(models: list[str], run_date: str, run_id: str | None = None, dag=None) -> dict:
    """One change request deploying to `test` every model of `models` whose gate passed on
    `run_date`; a refused model keeps the version already there. Runs when at least one model
    was trained and none failed (a model the run did not need is skipped, not failed)."""
    from lockgate.pipeline.release import release_trained_models

    return release_trained_models(
        models, run_date, "test", actor=identity("airflow", dag.dag_id, run_id)
    )


@task(trigger_rule="all_done")
def report_refusals(release: dict | None) -> str:
    """The run's last word on its gates: fails it (after scoring, so the day is still scored by
    what `test` runs) when a gate refused a model, naming each with its reason, so that a
    refusal is a red run in Airflow and never an all-green one."""
    from airflow.sdk.exceptions import AirflowFailException

    if release is None:  # an earlier task failed; its own log says why
        raise AirflowFailException(
            "nothing was released to test: release_to_test did not run (a task before it failed)"
        )
    refused = release.get("refused") or {}
    if refused:
        raise AirflowFailException(
            "refused by its gate, so test keeps the version it had: "
            + "; ".join(f"{model} {why}" for model, why in sorted(refused.items()))
        )
    return "every model trained in this run passed its gate"


@task
def report_broken_models() -> str:
    """Fails the run (and e-mails) when a model module was skipped as broken, naming it: a
    team's broken plug-in never stops the other models, and never goes unseen either."""
    from lockgate.models import broken_models
    from lockgate.orchestration.alerts import alert_on_broken_models

    return alert_on_broken_models(broken_models())
