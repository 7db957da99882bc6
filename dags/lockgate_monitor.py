"""
### lockgate_monitor

Every day, whether the world the production models see still looks like the one they were
trained on:

1. **compute_statistics** (Spark): each scored model's day in `params.environment` folded into
   mergeable statistics (nulls, moments, histogram on the reference's edges, quantile sketch,
   category frequencies), one pass over the rows
2. **drift_report**: the last `window_days` days merged and compared with the training
   reference stored with the model version (PSI and chi-square per input, document attribute
   and output), plus each day's volume and quarantine-rate anomalies
3. **publish_drift**: on drift, an event of the Asset `lockgate_drift` (with the drifted
   features in its extra), which a retraining DAG can be scheduled on; skipped otherwise
4. **alert**: on any breach, an e-mail through Airflow's `[smtp]` settings to
   `[monitoring] alert_to`, then the task fails with the breach as its message

Read the reports with `lockgate monitor report` or in the UI (Plugins > lockgate > Monitoring).
"""

from __future__ import annotations

# Airflow's DAG processor imports the airflow modules a DAG file names once, before it forks a
# parser for the file ([dag_processor] parsing_pre_import_modules); naming the heavy ones here
# (the Spark operator's provider, TaskFlow's decorators) keeps them out of every parse.
import airflow.providers.apache.spark.operators.spark_submit  # noqa: F401
import airflow.providers.standard.decorators.python  # noqa: F401
from airflow.sdk import Asset, Param, dag, task

from lockgate.orchestration import dag_settings, spark_job

RUN_DATE = "{{ ds }}"
DRIFT = Asset("lockgate_drift")


@dag(
    dag_id="lockgate_monitor",
    schedule="@daily",
    doc_md=__doc__,
    params={
        "environment": Param(
            "prod", enum=["test", "prod"], description="Whose scored documents to monitor"
        )
    },
    **dag_settings(),
)
def lockgate_monitor():
    statistics = spark_job(
        "compute_statistics",
        "monitor_statistics",
        "--run-date",
        RUN_DATE,
        "--environment",
        "{{ params.environment }}",
    )

    @task
    def drift_report(ds: str | None = None, params: dict | None = None) -> dict:
        from lockgate.config import settings
        from lockgate.pipeline.monitoring import judge, window

        profile = settings()
        first, last = window(ds, profile.policy.monitoring.window_days)
        return judge(profile, params["environment"], first, last)

    @task(outlets=[DRIFT])
    def publish_drift(summary: dict, outlet_events=None) -> dict:
        from lockgate.orchestration.alerts import drift_event

        return drift_event(summary, outlet_events[DRIFT])

    @task
    def alert(summary: dict) -> str:
        from lockgate.orchestration.alerts import alert_on_breach

        return alert_on_breach(summary)

    report = drift_report()
    statistics >> report
    publish_drift(report)
    alert(report)


lockgate_monitor()
