"""
### lockgate_retrain

Retraining when production drifts. Scheduled on the Asset `lockgate_drift`, which
lockgate_monitor updates when a model's inputs or outputs have drifted, so each drift event
starts a run; it retrains the models that drifted, as of the day the monitor judged:

1. **what_drifted**: from the triggering events, the monitored day and the drifted models (with
   several events, the latest day and every model any of them named)
2. **build_training_set** (Spark): every model's labelled snapshot as of that day
3. per registered model, a task group `<model>`:
   - **drifted**: skips the rest of the group when the model did not drift
   - **validate_training_set** (GX)
   - **train_model** (Spark): search, fit, gate against thresholds and the production champion
4. **release_to_test**: one change request deploying the retrained models whose gates passed to
   `test`; from there a normal change takes them to `prod` with its approvals, as any release
5. **report_refusals**: fails the run when a gate refused a retrained model
6. **report_broken_models**: fails the run, and e-mails, when a model module was skipped as
   broken (named, with the reason)

Triggered by hand, it needs `{"run_date": "YYYY-MM-DD", "models": ["routing", ...]}`.
"""

from __future__ import annotations

# Airflow's DAG processor imports the airflow modules a DAG file names once, before it forks a
# parser for the file ([dag_processor] parsing_pre_import_modules); naming the heavy ones here
# (the Spark operator's provider, TaskFlow's decorators) keeps them out of every parse.
import airflow.providers.apache.spark.operators.spark_submit  # noqa: F401
import airflow.providers.standard.decorators.python  # noqa: F401
from airflow.sdk import Asset, Param, TaskGroup, dag, task

from lockgate.models import registered_models
from lockgate.orchestration import dag_settings, spark_job, train_job
from lockgate.orchestration.tasks import (
    release_to_test,
    report_broken_models,
    report_refusals,
    validate_training_set,
)

DRIFT = Asset("lockgate_drift")
MODELS = list(registered_models())
# An asset-triggered run has no logical date: the day comes from the drift event.
RUN_DATE = "{{ ti.xcom_pull(task_ids='what_drifted')['run_date'] }}"


@dag(
    dag_id="lockgate_retrain",
    schedule=[DRIFT],
    doc_md=__doc__,
    params={
        "run_date": Param(
            None,
            type=["null", "string"],
            format="date",
            description="By hand only: the day to retrain as of",
        ),
        "models": Param([], type="array", description="By hand only: the models to retrain"),
    },
    **dag_settings(),
)
def lockgate_retrain():
    @task
    def what_drifted(triggering_asset_events=None, params: dict | None = None) -> dict:
        from lockgate.orchestration.alerts import retraining_request

        extras = [
            event.extra for events in (triggering_asset_events or {}).values() for event in events
        ]
        return retraining_request(extras, params or {}, MODELS)

    request = what_drifted()
    training_sets = spark_job("build_training_set", "build_training_set", "--run-date", RUN_DATE)
    request >> training_sets
    release = release_to_test(request["models"], request["run_date"])
    report_refusals(release)
    report_broken_models()
    for model in MODELS:
        with TaskGroup(group_id=model, tooltip=f"retrain {model} if it drifted"):

            @task.short_circuit(ignore_downstream_trigger_rules=False)
            def drifted(name: str, request: dict) -> bool:
                return name in request["models"]

            train = train_job(model, RUN_DATE)
            checked = validate_training_set(model, request["run_date"])
            training_sets >> drifted(model, request) >> checked >> train >> release


lockgate_retrain()
