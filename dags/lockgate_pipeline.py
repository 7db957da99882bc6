"""
### lockgate_pipeline

The whole day of work for inbound correspondence, one run date per DAG run:

0. **ensure_person_model**: the gated name model in MLflow (trained and registered once)
1. **extract_documents** (Spark): `landing/<date>` → `extracted/documents` + `quarantine`;
   and per dataset a model reads, a task group `dataset_<name>`: **ingest** (Spark) the day's
   delivery, row by row with reasons, then **validate_delivery** (GX); until a dataset's first
   delivery has landed both do nothing, and the groups of the models that read it are skipped
2. **validate_extraction** (GX): nothing lost, quarantine within tolerance, documents
   well-formed, and the label store's decisions of the day
3. **build_training_set** (Spark): every model's labelled, content-addressed snapshot, with
   the labels of the label store as known on the run date
4. per registered model, a task group `<model>`:
   - **validate_training_set** (GX)
   - **train_model** (Spark): search trials on the executors, fit, gate against thresholds
     and the production champion, register in MLflow with lineage and a model card
5. **release_to_test**: one change request deploying every model whose gate passed to `test`
   (a refused model keeps the version already there), with verification
6. **score_documents** (Spark): the release in `test` scores the day's documents
7. **validate_scores** (GX)
8. **report_refusals**: fails the run when a gate refused a model (named, with the reason),
   so a refusal shows red in Airflow; the day is scored by what `test` runs either way
9. **report_broken_models**: fails the run, and e-mails, when a model module was skipped as
   broken (named, with the reason); every other model runs as usual

Models are found, not listed: every `lockgate/models/<name>.py` and every installed
`lockgate.models` entry point gets its task group (see README, "Adding a model").
Every task reads and writes only its run date's partitions; a rerun replaces them.
"""

from __future__ import annotations

# Airflow's DAG processor imports the airflow modules a DAG file names once, before it forks a
# parser for the file ([dag_processor] parsing_pre_import_modules); naming the heavy ones here
# (the Spark operator's provider, TaskFlow's decorators) keeps them out of every parse.
import airflow.providers.apache.spark.operators.spark_submit  # noqa: F401
import airflow.providers.standard.decorators.python  # noqa: F401
from airflow.sdk import TaskGroup, dag, task

from lockgate.models import registered_models
from lockgate.orchestration import dag_settings, ingest_datasets, spark_job, train_job
from lockgate.orchestration.tasks import (
    release_to_test,
    report_broken_models,
    report_refusals,
    validate_extraction,
    validate_scores,
    validate_training_set,
)

RUN_DATE = "{{ ds }}"
ENVIRONMENT = "test"
MODELS = list(registered_models())


@dag(
    dag_id="lockgate_pipeline",
    schedule="@daily",
    doc_md=__doc__,
    **dag_settings(),
)
def lockgate_pipeline():
    @task
    def ensure_person_model(run_id: str | None = None) -> dict:
        from lockgate.config import settings
        from lockgate.pipeline.name_model import ensure_person_model
        from lockgate.provenance import code_version
        from lockgate.release.deploy import open_ledger

        # Migrate the ledger here, on the Airflow host: Spark drivers in YARN containers run
        # from the job zip, where Alembic cannot read its scripts, and training reads the ledger.
        open_ledger(settings())
        lineage = {"code_version": code_version(), "airflow_run_id": run_id or ""}
        return ensure_person_model(settings(), lineage)

    extract = spark_job("extract_documents", "extract_documents", "--run-date", RUN_DATE)

    training_sets = spark_job("build_training_set", "build_training_set", "--run-date", RUN_DATE)

    score = spark_job(
        "score_documents", "score_documents", "--run-date", RUN_DATE, "--environment", ENVIRONMENT
    )

    ensure_person_model() >> extract >> validate_extraction() >> training_sets
    ingest_datasets(RUN_DATE) >> training_sets
    release = release_to_test(MODELS, RUN_DATE)
    for model in MODELS:
        with TaskGroup(group_id=model, tooltip=f"validate, search, train and gate {model}"):
            train = train_job(model, RUN_DATE)
            training_sets >> validate_training_set(model, RUN_DATE) >> train >> release
    release >> score >> validate_scores(ENVIRONMENT) >> report_refusals(release)
    report_broken_models()


lockgate_pipeline()
