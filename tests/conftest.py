"""Shared fixtures: a local SparkSession and an isolated LOCKGATE_HOME per test session."""

from __future__ import annotations

import logging
import os
import sys

import pytest

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
# py4j logs at INFO while the interpreter shuts down, after pytest has closed the streams.
logging.getLogger("py4j").setLevel(logging.WARNING)


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("lockgate-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory):
    """120 generated documents with ground truth (deterministic, seed 11)."""
    from lockgate.corpus import generate_corpus

    root = tmp_path_factory.mktemp("corpus")
    summary = generate_corpus(root / "landing", root / "labels", "2026-11-20", 120, seed=11,
                              broken_share=0.1)  # fmt: skip
    return root, summary
