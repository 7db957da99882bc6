"""The SparkSession every job uses: master from spark-submit when given, else from the profile."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pyspark import SparkConf, SparkContext, StorageLevel
from pyspark.sql import DataFrame, SparkSession

from lockgate.config import settings


def build_session(app_name: str, master: str | None = None,
                  conf: dict[str, str] | None = None) -> SparkSession:  # fmt: skip
    """A session for a job; spark-submit's --master and --conf win over the profile's defaults.

    `master` replaces the profile's (the CLI reads small datasets in-process with local[*]);
    `conf` is set over the profile's.
    """
    profile = settings()
    # Python workers run this interpreter unless told otherwise (a bare `pyspark` would start
    # the system's, without lockgate's libraries); the cluster profile's spark.pyspark.python
    # (the shipped environment) still wins on YARN.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if os.environ.get("PYSPARK_GATEWAY_PORT"):
        # Under spark-submit its JVM already holds --master and --conf: attach to it first, or
        # SparkConf() is an empty stand-in and the profile's defaults overwrite them.
        SparkContext._ensure_initialized()
    submitted = SparkConf()
    builder = SparkSession.builder.appName(app_name)
    if not submitted.contains("spark.master"):
        builder = builder.master(master or profile.spark_master)
    for key, value in (profile.spark_conf | (conf or {})).items():
        if not submitted.contains(key):
            builder = builder.config(key, value)
    session = builder.getOrCreate()
    quiet_file_reads(session)
    return session


@contextmanager
def job_session(app_name: str, spark: SparkSession | None = None) -> Iterator[SparkSession]:
    """The session a job runs in: `spark` when its caller shares one with it (an Airflow task
    on the local profile; the job leaves it running), else one built for the job (spark-submit,
    or `python jobs/<job>.py`) and stopped when the job ends, also when it fails."""
    if spark is not None:
        yield spark
        return
    session = build_session(app_name)
    try:
        yield session
    finally:
        session.stop()


def shared_session() -> SparkSession:
    """A new session on this process's one Spark application, started by the first call.

    The application's JVM, executors and warm Python workers then serve every later job of the
    process: `airflow dags test` (the demo, the tests) runs a whole DAG run in one process, so
    its Spark tasks pay the start once instead of once each. Each call gets a session of its
    own, with the profile's settings and its own SQL settings and temporary views, so one job's
    `spark.conf.set` never reaches the next."""
    if SparkContext._active_spark_context is None:
        build_session("lockgate-tasks")
    return SparkSession.builder.getOrCreate().newSession()


def driver_session(app_name: str, conf: dict[str, str] | None = None) -> SparkSession:
    """A session whose driver is this process, on the profile's cluster: `local[*]` on the
    local profile; on YARN, a client-mode application submitted with the published
    spark-defaults.conf (the job zip, the Python environment, the executors' sizes), the
    driver's Python being this interpreter. `conf` is set over both."""
    profile = settings()
    if not profile.spark_master.startswith("yarn"):
        return build_session(app_name, master="local[*]", conf=conf)
    # Read by the spark-submit that starts the session's JVM, so set before it starts.
    environment = profile.submit_environment()
    os.environ.update(environment)
    # PySpark tells executors to run the driver's PYSPARK_PYTHON (spark.pyspark.python is read
    # only by spark-submit's own Python runner): the shipped environment's, not this venv's.
    published = published_conf(Path(environment["SPARK_CONF_DIR"]))
    os.environ["PYSPARK_PYTHON"] = published.get("spark.pyspark.python", sys.executable)
    client = {"spark.submit.deployMode": "client", "spark.pyspark.driver.python": sys.executable}
    return build_session(app_name, conf=client | (conf or {}))


def published_conf(conf_dir: Path) -> dict[str, str]:
    """The settings of `spark-defaults.conf` in `conf_dir` (`lockgate cluster publish`)."""
    defaults = conf_dir / "spark-defaults.conf"
    if not defaults.is_file():
        raise FileNotFoundError(f"{defaults} is missing: run `lockgate cluster publish` "
                                "(make cluster-up does)")  # fmt: skip
    found = {}
    for line in defaults.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) == 2 and not parts[0].startswith("#"):
            found[parts[0]] = parts[1].strip()
    return found


# Spark logs one INFO line per file it reads; a local session's JVM runs the executors, so a
# day of 100,000 letters put 200,000 such lines (65 MB) into the extraction task's Airflow log.
QUIET_LOGGERS = ("org.apache.spark.sql.execution.datasources.FileScanRDD",)


def quiet_file_reads(session: SparkSession) -> None:
    """Raise the per-file read loggers of the session's JVM to WARN (YARN executors log to
    their containers, not to the task)."""
    log4j = session._jvm.org.apache.logging.log4j
    for name in QUIET_LOGGERS:
        log4j.core.config.Configurator.setLevel(name, log4j.Level.WARN)


def kept(frame: DataFrame) -> DataFrame:
    """`frame`, persisted on the executors' local disks, for a plan read more than once.

    Not in the heap, as `persist()` would: what a day holds grows with its documents. At a
    million documents the extraction outcomes cached as values filled a 2 GB driver's heap
    (OutOfMemoryError, 73 of 200 parse tasks done) while Spark's own estimate of the cache
    still showed 300 MB free."""
    return frame.persist(StorageLevel.DISK_ONLY)
