"""How lockgate runs under Airflow: the Airflow environment of a profile, and Spark job tasks.

Imported by DAG files at parse time, so it stays light: no pyspark, pandas or sklearn here.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from lockgate.config import Settings, repo_root

SPARK_CONN_ID = "spark_default"


def spark_connection(settings: Settings) -> dict:
    """The `spark_default` connection: local[*], or YARN in cluster deploy mode with the
    ResourceManager's REST address (the hook polls it and kills through it)."""
    connection: dict = {"conn_type": "spark", "host": settings.spark_master}
    if settings.spark_master.startswith("yarn"):
        connection["extra"] = {
            "deploy-mode": settings.spark_deploy_mode,
            "yarn_resourcemanager_webapp_address": settings.yarn_rm_url,
        }
    return connection


def airflow_environment(settings: Settings) -> dict[str, str]:
    """Variables that point Airflow at this checkout, this profile's metadata DB and Spark master."""
    from lockgate.release.identity import airflow_users

    venv_bin = str(Path(sys.executable).parent)
    root = repo_root()
    path = [venv_bin]
    cluster = settings.submit_environment()
    if cluster:  # `yarn` is lockgate's launcher
        path.append(str(root / "infra" / "hadoop" / "bin"))
    # Tasks report to the API server's execution API; Airflow assumes port 8080 unless told.
    port = os.environ.get("AIRFLOW__API__PORT", "8080")
    execution_api = os.environ.get(
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL", f"http://localhost:{port}/execution/"
    )
    return cluster | {
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": execution_api,
        "AIRFLOW_HOME": str(settings.home / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(root / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": settings.database_url(settings.airflow_db_url),
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": ",".join(
            f"{user}:{role}" for user, role in airflow_users(settings).items()
        ),
        f"AIRFLOW_CONN_{SPARK_CONN_ID.upper()}": json.dumps(spark_connection(settings)),
        "LOCKGATE_HOME": str(settings.home),
        "LOCKGATE_PROFILE": settings.profile,
        "LOCKGATE_REPO": str(root),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "PATH": os.pathsep.join([*path, os.environ.get("PATH", "")]),
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        "GIT_PYTHON_REFRESH": "quiet",
    }


def airflow_process_env(settings: Settings) -> dict[str, str]:
    """This process's environment with `airflow_environment` over it, for running `airflow`;
    the Airflow home exists."""
    env = os.environ | airflow_environment(settings)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    private_passwords(Path(env["AIRFLOW_HOME"]))
    return env


PASSWORDS_FILE = "simple_auth_manager_passwords.json.generated"


def private_passwords(airflow_home: Path) -> Path:
    """The file where Airflow's simple auth manager keeps the passwords it generates: made here
    first, empty and mode 0600, because Airflow would create it readable by everyone; refused
    (UnsafeSecret) when it exists and others can read it."""
    from lockgate.config.secrets import read_secret

    path = airflow_home / PASSWORDS_FILE
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600))
    except FileExistsError:
        read_secret(path)
    return path


def dag_settings(**overrides) -> dict:
    """What every lockgate DAG shares (start date, no catch-up, one run at a time, no retries:
    jobs are idempotent and a failure is for a person to read); `overrides` win."""
    import pendulum

    return {
        "start_date": pendulum.datetime(2026, 11, 1, tz="UTC"),
        "catchup": False,
        "max_active_runs": 1,
        "tags": ["lockgate"],
        "default_args": {"retries": 0},
    } | overrides


def spark_job(task_id: str, job: str, *args: str, app_name: str | None = None, **operator_kwargs):
    """A Spark task for `jobs/<job>.py` with the profile's Spark configuration.

    The application is named `app_name`, by default `lockgate-<job>`.

    On the local profile the job runs in the task's own process, on a Spark application the
    process shares with its other Spark tasks (`airflow dags test` runs a whole DAG run in one
    process): a task pays the JVM's and the Python workers' start once per process, not once
    per task. Everywhere else the task runs `spark-submit`. On YARN the application runs in
    cluster deploy mode; the task polls the ResourceManager, a failure puts YARN's diagnostics
    and the driver's stderr in the task log, and killing the task kills the application.
    """
    from lockgate.config import settings
    from lockgate.orchestration.operators import (
        LockgateSparkJobOperator,
        LockgateSparkSubmitOperator,
    )

    profile = settings()
    application = str(repo_root() / "jobs" / f"{job}.py")
    name = app_name or f"lockgate-{job}"
    if profile.spark_master.startswith("local"):
        return LockgateSparkJobOperator(
            task_id=task_id,
            application=application,
            application_args=list(args),
            name=name,
            **operator_kwargs,
        )
    conf = dict(profile.spark_conf)
    on_yarn = profile.spark_master.startswith("yarn")
    if on_yarn:
        conf["spark.yarn.appMasterEnv.LOCKGATE_ENV"] = profile.environment
        operator_kwargs.setdefault("yarn_track_via_rm_api", True)
        operator_kwargs.setdefault("status_poll_interval", 10)
        # Every try submits afresh: jobs are idempotent, a cleared task must really rerun, and
        # an application id remembered from a rebuilt cluster must not wedge the task.
        operator_kwargs.setdefault("durable", False)
    return LockgateSparkSubmitOperator(
        task_id=task_id,
        application=application,
        application_args=list(args),
        conn_id=SPARK_CONN_ID,
        name=name,
        conf=conf,
        yarn_rm_url=profile.yarn_rm_url if on_yarn else None,
        **operator_kwargs,
    )


def train_job(model: str, run_date: str):
    """The Spark task that searches, trains, gates and registers `model` from its training
    snapshot of `run_date` (a template): an application per model, named for it, with the Airflow
    run in the version's lineage."""
    return spark_job(
        "train_model",
        "train_model",
        "--run-date",
        run_date,
        "--model",
        model,
        "--airflow-run-id",
        "{{ run_id }}",
        app_name=f"lockgate-train_model-{model}",
    )


def ingest_datasets(run_date: str) -> list:
    """Per dataset a registered model reads (`lockgate.models.datasets_read`), a task group
    `dataset_<name>`: ingest the day's delivery (Spark), then validate it (GX). The groups, for
    the DAG to set upstream of what reads them; none when no model reads a dataset."""
    from airflow.sdk import TaskGroup

    from lockgate.models import datasets_read, registered_models
    from lockgate.orchestration.tasks import validate_delivery

    groups = []
    for dataset in datasets_read(registered_models().values()):
        with TaskGroup(
            group_id=f"dataset_{dataset}", tooltip=f"ingest and validate {dataset}"
        ) as group:
            ingest = spark_job(
                "ingest", "ingest_dataset", "--dataset", dataset, "--run-date", run_date
            )
            ingest >> validate_delivery(dataset, run_date)
        groups.append(group)
    return groups
