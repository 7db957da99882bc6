"""A real single-host cluster for the suite: PostgreSQL, HDFS, YARN and the MLflow server,
started by the project's own scripts in a private LOCKGATE_HOME and stopped afterwards, also
when a test fails."""

from __future__ import annotations

import os
import re
import shutil
import socket
import sys
import tempfile
from pathlib import Path

import pytest
from support import BIN, run

# Ports of infra/hadoop/env.sh, infra/postgres/postgres and infra/mlflow/server.
SERVICE_PORTS = {"HDFS": 8020, "WebHDFS": 9870, "YARN": 8088, "PostgreSQL": 5433, "MLflow": 5055}
START = [
    ["infra/postgres/postgres", "start"],
    ["infra/hadoop/cluster", "start"],
    ["infra/mlflow/server", "start"],
]
STOP = [
    ["infra/mlflow/server", "stop"],
    ["infra/hadoop/cluster", "stop"],
    ["infra/postgres/postgres", "stop"],
]


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def cluster():
    """Environment variables for lockgate commands against the running cluster; the cluster
    goes down as soon as the module's tests are done, not at the end of the whole session."""
    busy = [f"{name} ({port})" for name, port in SERVICE_PORTS.items() if _listening(port)]
    if busy:
        pytest.fail(
            f"ports already in use: {', '.join(busy)}; a cluster is running on this host "
            "(stop it with `make cluster-down`) before running the cluster suite"
        )
    # Not under /tmp/pytest-of-*: that is private to its owner, and PostgreSQL runs as `postgres`.
    home = Path(tempfile.mkdtemp(prefix="lockgate-cluster-test-"))
    home.chmod(0o755)
    env = os.environ | {
        "LOCKGATE_HOME": str(home),
        "LOCKGATE_PROFILE": "yarn",
        "LOCKGATE_ENV": "test",
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PYSPARK_PYTHON": sys.executable,
    }
    env.pop("LOCKGATE_DB_PASSWORD", None)
    try:
        for command in START:
            run(command, env, timeout=900)
        published = run([str(BIN / "lockgate"), "cluster", "publish"], env, timeout=900).stdout
        # It prints the job zip's size: the zip's own, as built under the home.
        built = list((home / "cluster" / "dist").glob("lockgate-*.zip"))
        printed = re.search(r'"job_zip_bytes": (\d+)', published)
        assert printed and [int(printed[1])] == [z.stat().st_size for z in built], published
        yield env
    finally:
        for command in STOP:
            run(command, env, check=False, timeout=300)
        leftovers = [f"{name} ({port})" for name, port in SERVICE_PORTS.items() if _listening(port)]
        if not os.environ.get("LOCKGATE_KEEP_TEST_CLUSTER"):
            shutil.rmtree(home, ignore_errors=True)
        assert not leftovers, f"still listening after the cluster was stopped: {leftovers}"


@pytest.fixture(scope="module")
def postgres_ledger_urls():
    """A PostgreSQL of its own (infra/postgres/postgres on a spare port) for ledger tests: the
    URLs, passwords included, of its migrated and empty ledger database as lockgate connects
    to it (`app`) and as the role that owns it (`owner`). Stopped after the module."""
    from lockgate.config import db_password

    port = 5434
    if _listening(port):
        pytest.fail(f"port {port} is in use; the ledger test needs its own PostgreSQL there")
    home = Path(tempfile.mkdtemp(prefix="lockgate-ledger-test-"))
    home.chmod(0o755)
    env = os.environ | {"LOCKGATE_HOME": str(home), "LOCKGATE_PG_PORT": str(port)}
    try:
        run(["infra/postgres/postgres", "start"], env, timeout=900)
        app = db_password(home)
        owner = (home / "cluster" / "secrets" / "postgres-ledger-owner.password").read_text()
        yield {
            "app": f"postgresql+psycopg2://lockgate:{app}@127.0.0.1:{port}/lockgate_ledger",
            "owner": f"postgresql+psycopg2://lockgate_ledger_owner:{owner.strip()}@127.0.0.1:"
            f"{port}/lockgate_ledger",
        }
    finally:
        run(["infra/postgres/postgres", "stop"], env, check=False, timeout=300)
        shutil.rmtree(home, ignore_errors=True)
        assert not _listening(port), f"PostgreSQL still listening on {port}"


@pytest.fixture(scope="module")
def postgres_ledger_url(postgres_ledger_urls):
    """The ledger database as lockgate connects to it."""
    return postgres_ledger_urls["app"]


@pytest.fixture(scope="module")
def postgres_owner_url(postgres_ledger_urls):
    """The ledger database as the role that owns its schema (and can switch triggers off)."""
    return postgres_ledger_urls["owner"]
