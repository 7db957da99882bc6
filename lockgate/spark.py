"""The SparkSession every job uses: master from spark-submit when given, else from the profile."""

from __future__ import annotations

import os
import sys

from pyspark import SparkConf
from pyspark.sql import SparkSession

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
    return builder.getOrCreate()
