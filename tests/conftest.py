"""Shared fixtures: a local SparkSession and an isolated LOCKGATE_HOME per test session."""

from __future__ import annotations

import logging
import os
import sys
import time
from collections import defaultdict

import pytest

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
# py4j logs at INFO while the interpreter shuts down, after pytest has closed the streams.
logging.getLogger("py4j").setLevel(logging.WARNING)


# Tests that share a session- or module-scoped home or service run whole in one worker, in file
# order, under `pytest -n 2 --dist loadgroup` (pytest-xdist): the cluster suite in one lane, the
# end-to-end files on their demo home in the other, so the cluster suite's waits on YARN overlap
# the end-to-end suite's work; every other test goes to whichever worker is free. (Three lanes,
# the end-to-end files in two chains on a home each, measured slower on two cores: 46 minutes
# with one test still to run, against 39 for two lanes; the second home's CPU outweighs the
# overlap.) The lanes are chosen by path here,
# not with `xdist_group` marks: with pytest 9.2 xdist 3.8 drops those marks silently
# (pytest-dev/pytest-xdist#1386) and a suite would be split over both workers.
LANES = {
    "tests/cluster/": "cluster",
    "tests/integration/test_bench_figures.py": "story",
    "tests/integration/test_pipeline.py": "story",
    "tests/integration/test_drift_months.py": "story",
    "tests/integration/test_ui_browser.py": "story",
    # One generated 90-day card history, set up once for the module's fraud tests.
    "tests/unit/training/test_dataset_models.py": "dataset_models",
}
_STARTED = time.monotonic()


def lane(nodeid: str) -> str:
    """The unit of scheduling a test belongs to: its lane, or the test alone."""
    path = nodeid.split("::")[0]
    return next((name for prefix, name in LANES.items() if path.startswith(prefix)), nodeid)


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Lanes(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return lane(nodeid)

    return Lanes(config, log)


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
    from lockgate.tooling.corpus import generate_corpus

    root = tmp_path_factory.mktemp("corpus")
    summary = generate_corpus(
        root / "landing", root / "labels", "2026-11-20", 120, seed=11, broken_share=0.1
    )
    return root, summary


def pytest_terminal_summary(terminalreporter):
    """Time per suite and per file (setup, call and teardown of its tests, shared fixtures
    counted where they were first built), at the end of every run: where `make test`'s
    minutes go."""
    seconds: dict[tuple[str, str], float] = defaultdict(float)
    tests: dict[tuple[str, str], set[str]] = defaultdict(set)
    for reports in terminalreporter.stats.values():
        for report in reports:
            nodeid, duration = getattr(report, "nodeid", ""), getattr(report, "duration", None)
            if not nodeid.startswith("tests/") or duration is None:
                continue
            path = nodeid.split("::")[0]
            key = (path.split("/")[1] if path.count("/") > 1 else "(top)", path)
            seconds[key] += duration
            tests[key].add(nodeid)
    if not seconds:
        return
    write = terminalreporter.write_line
    terminalreporter.section("time per suite")
    suites: dict[str, float] = defaultdict(float)
    for (suite, _), spent in seconds.items():
        suites[suite] += spent
    for suite, spent in sorted(suites.items(), key=lambda item: -item[1]):
        count = sum(len(t) for (s, _), t in tests.items() if s == suite)
        write(f"{suite:<12} {count:>4} tests {spent / 60:7.1f} min")
        for (of_suite, path), file_spent in sorted(seconds.items(), key=lambda item: -item[1]):
            if of_suite == suite and file_spent >= 30:
                write(f"  {path:<58} {len(tests[(suite, path)]):>4} {file_spent / 60:6.1f} min")
    write(
        f"{'total':<12} {sum(len(t) for t in tests.values()):>4} tests "
        f"{sum(seconds.values()) / 60:7.1f} min"
    )
    workers = getattr(terminalreporter.config.option, "numprocesses", None)
    if workers:
        write(
            f"{'wall':<12} {workers:>4} lanes {(time.monotonic() - _STARTED) / 60:7.1f} min"
            " (the suites above ran side by side)"
        )
