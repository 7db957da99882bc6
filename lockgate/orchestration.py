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


def airflow_environment(settings: Settings) -> dict[str, str]:
    """Variables that point Airflow at this checkout, this profile's metadata DB and Spark master."""
    venv_bin = str(Path(sys.executable).parent)
    root = repo_root()
    return {
        "AIRFLOW_HOME": str(settings.home / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(root / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": settings.airflow_db_url,
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        f"AIRFLOW_CONN_{SPARK_CONN_ID.upper()}": json.dumps(
            {"conn_type": "spark", "host": settings.spark_master}
        ),
        "LOCKGATE_HOME": str(settings.home),
        "LOCKGATE_PROFILE": settings.profile,
        "LOCKGATE_REPO": str(root),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
        "MLFLOW_DISABLE_TELEMETRY": "true",
        "DO_NOT_TRACK": "true",
        "GIT_PYTHON_REFRESH": "quiet",
    }


def spark_job(task_id: str, job: str, *args: str, **operator_kwargs):
    """A SparkSubmitOperator for `jobs/<job>.py` with the profile's Spark configuration."""
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    from lockgate.config import settings

    profile = settings()
    return SparkSubmitOperator(
        task_id=task_id,
        application=str(repo_root() / "jobs" / f"{job}.py"),
        application_args=list(args),
        conn_id=SPARK_CONN_ID,
        name=f"lockgate-{job}",
        conf=dict(profile.spark_conf),
        **operator_kwargs,
    )
