"""
### lockgate_pipeline

The whole day of work for inbound correspondence, one run date per DAG run:

0. **ensure_person_model**: the gated name model in MLflow (trained and registered once)
1. **extract_documents** (Spark): `landing/<date>` → `extracted/documents` + `quarantine`
2. **validate_extraction** (GX): nothing lost, quarantine within tolerance, documents well-formed
3. **build_training_set** (Spark): labelled, masked, content-addressed snapshot
4. **validate_training_set** (GX)
5. **train_model** (Spark driver, scikit-learn): fit, evaluate, gate, register in MLflow
6. **release_to_test**: a change request that deploys a gated model to `test`, with verification
7. **score_documents** (Spark): the release in `test` scores the day's documents
8. **validate_scores** (GX)

Every task reads and writes only its run date's partitions; a rerun replaces them.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task

from lockgate.orchestration import spark_job

RUN_DATE = "{{ ds }}"
MODEL = "routing"
ENVIRONMENT = "test"


@dag(
    dag_id="lockgate_pipeline",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["lockgate"],
    doc_md=__doc__,
    default_args={"retries": 0},
)
def lockgate_pipeline():
    @task
    def ensure_person_model(run_id: str | None = None) -> dict:
        from lockgate.config import settings
        from lockgate.extraction.stage import ensure_person_model
        from lockgate.release.bundle import code_version

        lineage = {"code_version": code_version(), "airflow_run_id": run_id or ""}
        return ensure_person_model(settings(), lineage)

    extract = spark_job("extract_documents", "extract_documents", "--run-date", RUN_DATE)

    @task
    def validate_extraction(ds: str | None = None) -> list[dict]:
        from lockgate.config import settings
        from lockgate.storage import Layout
        from lockgate.validation.stages import validate_extraction

        return validate_extraction(Layout(settings().storage_root), ds)

    training_set = spark_job(
        "build_training_set", "build_training_set", "--run-date", RUN_DATE, "--model", MODEL
    )

    @task
    def validate_training_set(ds: str | None = None) -> dict:
        from lockgate.config import settings
        from lockgate.storage import Layout
        from lockgate.validation.stages import validate_training_set

        return validate_training_set(Layout(settings().storage_root), MODEL, ds)

    train = spark_job(
        "train_model", "train_model", "--run-date", RUN_DATE, "--model", MODEL,
        "--airflow-run-id", "{{ run_id }}",
    )  # fmt: skip

    @task
    def release_to_test(ds: str | None = None, run_id: str | None = None) -> dict:
        from lockgate.release.stage import release_trained_model

        return release_trained_model(
            MODEL, ds, ENVIRONMENT, actor=f"airflow:lockgate_pipeline:{run_id}"
        )

    score = spark_job(
        "score_documents", "score_documents", "--run-date", RUN_DATE, "--environment", ENVIRONMENT
    )

    @task
    def validate_scores(ds: str | None = None) -> dict:
        from lockgate.config import settings
        from lockgate.storage import Layout
        from lockgate.validation.stages import validate_scores

        return validate_scores(Layout(settings().storage_root), ENVIRONMENT, MODEL, ds)

    (
        ensure_person_model()
        >> extract
        >> validate_extraction()
        >> training_set
        >> validate_training_set()
        >> train
        >> release_to_test()
        >> score
        >> validate_scores()
    )


lockgate_pipeline()
