"""The SparkSession every job uses: master from spark-submit when given, else from the profile."""

from __future__ import annotations

import os
import sys

from pyspark import SparkConf, StorageLevel
from pyspark.sql import DataFrame, SparkSession

from lockgate.config import settings


def build_session(app_name: str, master: str | None = None) -> SparkSession:
    """A session for a job; spark-submit's --master and --conf win over the profile's defaults.

    `master` replaces the profile's (the CLI reads small datasets in-process with local[*]).
    """
    profile = settings()
    # Python workers run this interpreter unless told otherwise (a bare `pyspark` would start
    # the system's, without lockgate's libraries); the cluster profile's spark.pyspark.python
    # (the shipped environment) still wins on YARN.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    submitted = SparkConf()
    builder = SparkSession.builder.appName(app_name)
    if not submitted.contains("spark.master"):
        builder = builder.master(master or profile.spark_master)
    for key, value in profile.spark_conf.items():
        if not submitted.contains(key):
            builder = builder.config(key, value)
    session = builder.getOrCreate()
    quiet_file_reads(session)
    return session


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
