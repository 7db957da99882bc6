"""
### lockgate_scoring

A day of correspondence scored by the release already deployed, with no training: the daily
work between retrains, and the soak evidence a release collects in `test` before a normal
change may take it to `prod`.

1. **extract_documents** (Spark): `landing/<date>` → `extracted/documents` + `quarantine`
2. **validate_extraction** (GX); and per dataset a model reads, a task group `dataset_<name>`:
   **ingest** (Spark) the day's delivery, then **validate_delivery** (GX)
3. **score_documents** (Spark): the release deployed in `params.environment` scores the day;
   it refuses a release whose change is not deployed or lacks its approvals; a model on a
   dataset scores the day's delivered rows and marks its alerts
4. **validate_scores** (GX): recorded in the ledger as a scoring run of that release

Trigger with `{"environment": "test"}` (default) or `{"environment": "prod"}`.
"""

from __future__ import annotations

# Airflow's DAG processor imports the airflow modules a DAG file names once, before it forks a
# parser for the file ([dag_processor] parsing_pre_import_modules); naming the heavy ones here
# (the Spark operator's provider, TaskFlow's decorators) keeps them out of every parse.
import airflow.providers.apache.spark.operators.spark_submit  # noqa: F401
import airflow.providers.standard.decorators.python  # noqa: F401
from airflow.sdk import Param, dag

from lockgate.orchestration import dag_settings, ingest_datasets, spark_job
from lockgate.orchestration.tasks import validate_extraction, validate_scores

RUN_DATE = "{{ ds }}"


@dag(
    dag_id="lockgate_scoring",
    schedule=None,
    doc_md=__doc__,
    params={
        "environment": Param(
            "test", enum=["test", "prod"], description="Whose deployed release scores the day"
        )
    },
    **dag_settings(),
)
def lockgate_scoring():
    extract = spark_job("extract_documents", "extract_documents", "--run-date", RUN_DATE)
    score = spark_job(
        "score_documents",
        "score_documents",
        "--run-date",
        RUN_DATE,
        "--environment",
        "{{ params.environment }}",
    )
    extract >> validate_extraction() >> score >> validate_scores("{{ params.environment }}")
    ingest_datasets(RUN_DATE) >> score


lockgate_scoring()
