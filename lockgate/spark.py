"""The SparkSession every job uses: master from spark-submit when given, else from the profile."""

from __future__ import annotations

from pyspark import SparkConf
from pyspark.sql import SparkSession

from lockgate.config import settings


def build_session(app_name: str, master: str | None = None) -> SparkSession:
    """A session for a job; spark-submit's --master and --conf win over the profile's defaults.

    `master` replaces the profile's (the CLI reads small datasets in-process with local[*]).
    """
    profile = settings()
    submitted = SparkConf()
    builder = SparkSession.builder.appName(app_name)
    if not submitted.contains("spark.master"):
        builder = builder.master(master or profile.spark_master)
    for key, value in profile.spark_conf.items():
        if not submitted.contains(key):
            builder = builder.config(key, value)
    return builder.getOrCreate()
