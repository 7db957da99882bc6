"""Airflow operators lockgate adds; imported only where a DAG builds its tasks."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException


class LockgateSparkSubmitOperator(SparkSubmitOperator):
    """SparkSubmitOperator that will not submit to a YARN whose NodeManagers cannot run
    containers (the application would wait in ACCEPTED for as long as that lasts), and that,
    when a YARN application fails, writes what YARN knows about it (state, diagnostics, the
    end of the driver's stderr) into the task log before failing."""

    def __init__(self, *, yarn_rm_url: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.yarn_rm_url = yarn_rm_url

    def execute(self, context):
        if self.yarn_rm_url:
            from lockgate.cluster.yarn import node_problem

            problem = node_problem(self.yarn_rm_url)
            if problem:
                raise AirflowFailException(f"not submitted: {problem}")
        try:
            return super().execute(context)
        except Exception:
            app_id = self._hook._yarn_application_id if self._hook else None
            if self.yarn_rm_url and app_id:
                from lockgate.cluster.yarn import failure_report

                self.log.error("%s", failure_report(self.yarn_rm_url, app_id))
            raise


class LockgateSparkJobOperator(BaseOperator):
    """Runs `jobs/<job>.py`'s `main` in the task's own process, on the process's shared Spark
    application (`lockgate.spark.task_session`): the local profile's Spark tasks.

    A job run this way writes the same rows as the same job under spark-submit; it only skips
    starting a JVM, a SparkContext and cold Python workers for every task. A job that exits
    with a message (`SystemExit`) fails the task with that message."""

    template_fields = ("application_args",)
    ui_color = "#f4a460"

    def __init__(
        self, *, application: str, application_args: list[str], name: str, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.application = application
        self.application_args = application_args
        self.name = name

    def execute(self, context) -> None:
        from lockgate.spark import describe, task_session

        main = job_main(self.application)
        with task_session() as spark:
            self._spark = spark
            self.log.info(
                "%s %s on a shared Spark application (%s)",
                self.application,
                " ".join(self.application_args),
                describe(spark),
            )
            try:
                main(list(self.application_args), spark=spark)
            except SystemExit as exit_:
                if exit_.code not in (None, 0):
                    raise AirflowFailException(
                        f"{Path(self.application).name}: {exit_.code}"
                    ) from None

    def on_kill(self) -> None:
        from pyspark import SparkContext

        from lockgate.spark import is_connect

        spark = getattr(self, "_spark", None)
        if spark is not None and is_connect(spark):
            spark.interruptAll()
            return
        context = SparkContext._active_spark_context
        if context is not None:
            context.cancelAllJobs()


def job_main(application: str):
    """The `main` of the job file `application`, imported once per process."""
    name = f"lockgate_job_{Path(application).stem}"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(name, application)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return module.main
