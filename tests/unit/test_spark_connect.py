"""The home's Spark Connect server (lockgate.spark_connect), started for real: who may use it,
what happens when it dies, and that a job writes the same bytes through it as on an application
of its own.

Clients run in subprocesses: a process that has opened a Connect session is in Connect mode for
good (pyspark's own rule), and this test process keeps its classic session for the other tests.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lockgate.config import load_settings
from lockgate.spark_connect import client_url, running, start, state_dir, stop
from lockgate.storage.secrets import UnsafeSecret

CLIENT = """
import json, sys
from pyspark.sql import SparkSession
from lockgate.spark import task_session, is_connect, parallelism
if sys.argv[1] == "shared":
    with task_session() as spark:
        rows = spark.range(5).selectExpr("sum(id) AS s").collect()[0]["s"]
else:
    spark = SparkSession.builder.remote(sys.argv[1]).create()
    rows = spark.range(5).selectExpr("sum(id) AS s").collect()[0]["s"]
print(json.dumps({"connect": is_connect(spark), "sum": rows, "parallelism": parallelism(spark)}))
"""


def _client(env, target="shared", check=True):
    done = subprocess.run([sys.executable, "-c", CLIENT, target], env=env, text=True,
                          capture_output=True, timeout=300)  # fmt: skip
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])
    return done


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("connect-home")
    env = os.environ | {"LOCKGATE_HOME": str(home), "LOCKGATE_PROFILE": "local",
                        "PYSPARK_PYTHON": sys.executable}  # fmt: skip
    env.pop("PYTHONPATH", None)
    settings = load_settings("local", home=home)
    endpoint, started = start(settings, env)
    assert started
    yield settings, env, endpoint
    stop(settings)


def test_a_task_uses_the_running_server_and_the_server_is_reused(served):
    settings, env, endpoint = served
    assert _client(env) == {"connect": True, "sum": 10, "parallelism": endpoint.parallelism}
    again, started = start(settings, env)
    assert not started and again.pid == endpoint.pid


def test_only_loopback_and_only_with_the_token(served):
    settings, env, endpoint = served
    # Nothing answers on the host's other addresses.
    outside = socket.gethostbyname(socket.gethostname())
    for address in {outside} - {"127.0.0.1"}:
        with pytest.raises(OSError), socket.create_connection((address, endpoint.port), timeout=2):
            pass
    # Another account's process reaches the port, not the data: no token, or a guessed one.
    for url in (f"sc://localhost:{endpoint.port}", endpoint.url("0" * 64)):
        done = _client(env | {"SPARK_CONNECT_AUTHENTICATE_TOKEN": ""}, url, check=False)
        assert done.returncode != 0
        assert "UNAUTHENTICATED" in done.stderr or "Invalid authentication" in done.stderr


def test_a_token_others_can_read_or_a_symlink_is_refused(served):
    settings, env, _ = served
    token = state_dir(settings) / "token"
    os.chmod(token, 0o644)
    try:
        with pytest.raises(UnsafeSecret):
            client_url(settings, env)
    finally:
        os.chmod(token, 0o600)
    moved = token.with_name("token.real")
    os.rename(token, moved)
    token.symlink_to(moved)
    try:
        with pytest.raises(UnsafeSecret):
            client_url(settings, env)
    finally:
        token.unlink()
        os.rename(moved, token)
    assert client_url(settings, env)


def test_another_environment_gets_an_application_of_its_own(served, tmp_path):
    """A client whose plug-ins (PYTHONPATH) differ would run code the server's workers cannot
    import: it is not given the server, and runs on its own application, with the same result."""
    settings, env, _ = served
    other = env | {"PYTHONPATH": str(tmp_path)}
    assert client_url(settings, other) is None
    assert _client(other)["connect"] is False


def test_a_recorded_pid_that_is_not_the_server_is_not_trusted(served, tmp_path):
    settings, env, endpoint = served
    record = state_dir(settings) / "server.json"
    kept = record.read_text()
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        record.write_text(json.dumps(json.loads(kept) | {"pid": sleeper.pid}))
        assert running(settings) is None and client_url(settings, env) is None
    finally:
        sleeper.kill()
        record.write_text(kept)
    assert running(settings) == endpoint


def test_a_killed_server_is_noticed_and_replaced(tmp_path):
    env = os.environ | {"LOCKGATE_HOME": str(tmp_path), "LOCKGATE_PROFILE": "local"}
    env.pop("PYTHONPATH", None)
    settings = load_settings("local", home=tmp_path)
    endpoint, _ = start(settings, env)
    try:
        os.killpg(endpoint.pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while running(settings) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert running(settings) is None
        assert _client(env)["connect"] is False  # a task then starts its own application
        replaced, started = start(settings, env)
        assert started and replaced.pid != endpoint.pid
        assert _client(env)["connect"] is True
    finally:
        stop(settings)
    assert running(settings) is None
    # Its Python workers went with it: nothing of that process group is left.
    assert subprocess.run(["pgrep", "-g", str(replaced.pid)], capture_output=True).returncode == 1


def test_a_server_that_cannot_start_says_why(tmp_path):
    from lockgate.spark_connect import ServerError

    settings = load_settings("local", home=tmp_path)
    broken = settings.model_copy(update={"spark_conf": settings.spark_conf
                                         | {"spark.driver.memory": "1k"}})  # fmt: skip
    with pytest.raises(ServerError, match="did not start"):
        start(broken, os.environ | {"LOCKGATE_HOME": str(tmp_path)})
    assert Path(state_dir(settings) / "server.log").exists()


SETTINGS_OF_TWO_JOBS = """
import json
from lockgate.spark import task_session
with task_session() as first:
    default = first.conf.get("spark.sql.shuffle.partitions")
    first.conf.set("spark.sql.shuffle.partitions", "7")
    first.conf.set("spark.sql.files.maxPartitionNum", "3")
with task_session() as second:
    print(json.dumps({"same_session": second is first, "default": default,
                      "shuffle": second.conf.get("spark.sql.shuffle.partitions"),
                      "max": second.conf.getAll.get("spark.sql.files.maxPartitionNum")}))
"""


def test_one_jobs_settings_never_reach_the_next_on_the_processs_session(served):
    """The tasks of one process share its session on the server (warm workers), not what a job
    set: the second job sees the profile's settings, whatever the first changed."""
    _, env, _ = served
    done = subprocess.run([sys.executable, "-c", SETTINGS_OF_TWO_JOBS], env=env, text=True,
                          capture_output=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"same_session": True, "default": "4", "shuffle": "4", "max": None}
