"""Airflow operators lockgate adds; imported only where a DAG builds its tasks."""

from __future__ import annotations

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator


class LockgateSparkSubmitOperator(SparkSubmitOperator):
    """SparkSubmitOperator that, when a YARN application fails, writes what YARN knows about it
    (state, diagnostics, the end of the driver's stderr) into the task log before failing."""

    def __init__(self, *, yarn_rm_url: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.yarn_rm_url = yarn_rm_url

    def execute(self, context):
        try:
            return super().execute(context)
        except Exception:
            app_id = self._hook._yarn_application_id if self._hook else None
            if self.yarn_rm_url and app_id:
                from lockgate.cluster.yarn import failure_report

                self.log.error("%s", failure_report(self.yarn_rm_url, app_id))
            raise
