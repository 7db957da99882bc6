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
from lockgate.config.secrets import UnsafeSecret
from lockgate.spark_connect import client_url, running, start, state_dir, stop

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
    done = subprocess.run(
        [sys.executable, "-c", CLIENT, target], env=env, text=True, capture_output=True, timeout=300
    )
    if check:
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])
    return done


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    home = tmp_path_factory.mktemp("connect-home")
    env = os.environ | {
        "LOCKGATE_HOME": str(home),
        "LOCKGATE_PROFILE": "local",
        "PYSPARK_PYTHON": sys.executable,
    }
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


def _listening_addresses(group: int) -> list[tuple[str, int]]:
    """(address, port) of every socket that a process of process group `group` listens on, read
    from /proc: the server's JVM and its Python workers."""
    inodes = set()
    for pid in subprocess.run(
        ["pgrep", "-g", str(group)], capture_output=True, text=True
    ).stdout.split():
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd) if fd.is_symlink() else ""
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    found = []
    for table in ("tcp", "tcp6"):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and inode in inodes:  # LISTEN
                address, port = local.split(":")
                raw = bytes.fromhex(address)
                words = [raw[i : i + 4][::-1] for i in range(0, len(raw), 4)]  # host order
                ip = socket.inet_ntop(
                    socket.AF_INET if table == "tcp" else socket.AF_INET6, b"".join(words)
                )
                found.append((ip, int(port, 16)))
    return found


def test_only_loopback_and_only_with_the_token(served):
    settings, env, endpoint = served
    # Nothing of the server (gRPC, the driver's RPC and block manager) listens beyond loopback.
    listening = _listening_addresses(endpoint.pid)
    assert endpoint.port in {port for _, port in listening}
    assert {ip for ip, _ in listening} <= {"127.0.0.1", "::1", "::ffff:127.0.0.1"}, listening
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
    broken = settings.model_copy(
        update={"spark_conf": settings.spark_conf | {"spark.driver.memory": "1k"}}
    )
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
    done = subprocess.run(
        [sys.executable, "-c", SETTINGS_OF_TWO_JOBS],
        env=env,
        text=True,
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"same_session": True, "default": "4", "shuffle": "4", "max": None}


WRITE = """
import sys
import pyarrow as pa
from pyspark.sql.types import ArrayType, LongType, StringType, StructField, StructType
from lockgate.spark import is_connect, task_session, udf_schema
from lockgate.storage.spark_io import write_partition

entity = StructType([StructField("type", StringType(), False), StructField("n", LongType(), True)])
schema = StructType([StructField("doc_id", StringType(), False),
                     StructField("entities", ArrayType(entity, False), False),
                     StructField("defects", ArrayType(StringType(), False), False)])

def rows(batches):
    for batch in batches:
        ids = batch.column("id").to_pylist()
        yield pa.RecordBatch.from_pylist(
            [{"doc_id": f"d{i:03d}", "entities": [{"type": "iban", "n": i}], "defects": ["x"] * (i % 3)}
             for i in ids],
            schema=pa.schema([pa.field("doc_id", pa.string(), False),
                              pa.field("entities", pa.list_(pa.field("element", pa.struct(
                                  [pa.field("type", pa.string(), False), pa.field("n", pa.int64())]), False)), False),
                              pa.field("defects", pa.list_(pa.field("element", pa.string(), False)), False)]))

with task_session() as spark:
    frame = spark.range(0, 50, 1, 3).mapInArrow(rows, udf_schema(spark, schema))
    write_partition(frame, "file://" + sys.argv[1], "run_date=2026-11-20", ["doc_id"])
    print(is_connect(spark))
"""


def test_a_partition_written_through_the_server_has_the_bytes_of_a_classic_write(served, tmp_path):
    """Connect's client names every string type's collation, which a classic session does not:
    written as sent, the files' Spark schema said `string collate UTF8_BINARY` where spark-submit
    wrote `string` (found by the end-to-end byte comparison). A function's output schema goes
    through `udf_schema`; nested strings, nullability and all, the files are the same bytes."""
    import hashlib

    _, env, _ = served
    written = {}
    for way, run_env in (("server", env), ("classic", env | {"PYTHONPATH": str(tmp_path)})):
        out = tmp_path / way
        done = subprocess.run(
            [sys.executable, "-c", WRITE, str(out)],
            env=run_env,
            text=True,
            capture_output=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        assert done.stdout.split()[-1] == str(way == "server")
        written[way] = {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (out / "run_date=2026-11-20").glob("part-*")
        }
    assert written["server"] == written["classic"] and written["server"]


def test_the_fixed_cost_bench_times_a_task_on_the_server_and_on_its_own(served, monkeypatch):
    """`lockgate bench --only tasks` in a fresh process per task: on the server, and on an
    application of its own, each split into start, work and stop."""
    from lockgate.tooling.bench.tasks import measure

    settings, env, _ = served
    monkeypatch.delenv("PYTHONPATH", raising=False)  # the server's environment
    monkeypatch.setenv("LOCKGATE_HOME", env["LOCKGATE_HOME"])
    for way in ("Spark Connect server", "own application"):
        figure = measure(settings, "noop", [], way)
        assert figure["way"] == way and figure["fixed"] == figure["total"] > 0
        assert 0 < figure["start"] < figure["total"] and figure["work"] > 0
        assert figure["stop"] >= 0
