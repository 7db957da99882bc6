"""A Spark Connect server per home: the local profile's long-running Spark application.

Under Airflow's scheduler every task is a process of its own; without a server each Spark task
would start a JVM, a SparkContext and cold Python workers (20-40 s on two cores, most of a small
task). With the home's server running, a task connects to it (about 1 s) and its session runs
on the warm application. `lockgate demo` and `lockgate airflow standalone` (`make ui`) start the
server and stop it when they end; `lockgate spark-server start|stop|status` does it by hand.

- Bound to the loopback interface only, and every request carries a token that only this
  account can read (`<home>/spark-connect/token`, 0600): the server reads and writes the home's
  lake as this account, so another local user must not be able to use it.
- The server's Python workers import from the server's environment, so a server is used only by
  a client whose environment matches the one it was started with (`fingerprint`: interpreter,
  PYTHONPATH for plug-ins, home, profile, Spark version and settings); any other falls back to
  a Spark application of its own, with the same results.
- The local profile only. On YARN every task is `spark-submit` in cluster mode, as before.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from lockgate.config import Settings
from lockgate.config.secrets import read_secret, write_secret

SERVER_CLASS = "org.apache.spark.sql.connect.service.SparkConnectServer"
STATE_DIR = "spark-connect"
# What the server's Python workers see and the client's must match (see the module's text).
FINGERPRINT_VARIABLES = ("PYTHONPATH",)
READY_SECONDS = 90
STOP_SECONDS = 20

# Spark logs a line per file read and per query at INFO: the server lives for a whole session
# of work, so only warnings go to its log (and the line that says where it listens).
LOG4J2 = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.server.name = org.apache.spark.sql.connect.service.SparkConnectServer
logger.server.level = info
"""


class ServerError(RuntimeError):
    """The server could not be started (its log's last lines say why)."""


@dataclass(frozen=True)
class Endpoint:
    """A running server: its process, port, and what it was started with."""

    pid: int
    port: int
    fingerprint: str
    parallelism: int
    started: float

    def url(self, token: str) -> str:
        # `localhost`, not an address: pyspark then sends the token over a local channel
        # (grpc's local credentials) instead of insisting on TLS.
        return f"sc://localhost:{self.port}/;token={token}"


def state_dir(settings: Settings) -> Path:
    return Path(settings.home) / STATE_DIR


def server_conf(settings: Settings, parallelism: int) -> dict[str, str]:
    """The server's Spark settings: the profile's (its static ones can only be set here), bound
    to loopback, no web UI, and as many partitions by default as a `local[*]` spark-submit of
    the same job on this machine would use (read splits, and so some outputs, depend on it)."""
    logs = state_dir(settings) / "log4j2.properties"
    java = settings.spark_conf.get("spark.driver.defaultJavaOptions", "")
    return dict(settings.spark_conf) | {
        "spark.connect.grpc.binding.address": "127.0.0.1",
        # The driver's own RPC and block manager ports too: nothing of it on another interface.
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.host": "127.0.0.1",
        "spark.default.parallelism": str(parallelism),
        "spark.ui.enabled": "false",
        "spark.driver.defaultJavaOptions": f"{java} -Dlog4j2.configurationFile=file:{logs}".strip(),
    }


def local_parallelism() -> int:
    """The processors this process may run on: what `local[*]` gives Spark here."""
    return len(os.sched_getaffinity(0))


def fingerprint(settings: Settings, environment: Mapping[str, str]) -> str:
    """What a server's Python workers depend on, as a digest: a client uses a server only when
    its own environment gives the same."""
    import pyspark

    described = {
        "python": sys.executable,
        "pyspark": pyspark.__version__,
        "home": str(Path(settings.home).resolve()),
        "profile": settings.profile,
        "conf": dict(sorted(settings.spark_conf.items())),
        "environment": {name: environment.get(name, "") for name in FINGERPRINT_VARIABLES},
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


@contextmanager
def _locked(settings: Settings) -> Iterator[Path]:
    directory = state_dir(settings)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(directory / ".lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield directory


def _is_server(pid: int) -> bool:
    """`pid` is alive and is a Spark Connect server (not another process that reused the pid)."""
    try:
        return SERVER_CLASS.encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _alive(pid: int) -> bool:
    """`pid` exists and has not exited (a zombie has, and its command line reads empty; so does
    a process's for a moment while it execs, which is why this does not ask `_is_server`)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    if state == "Z":
        _reap(pid)
        return False
    return True


def _reap(pid: int) -> None:
    """Collect `pid`'s exit if it is this process's child (the server a demo started)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def running(settings: Settings) -> Endpoint | None:
    """The home's server if it is running and answering, else None."""
    try:
        recorded = json.loads((state_dir(settings) / "server.json").read_text(encoding="utf-8"))
        endpoint = Endpoint(**recorded)
    except (OSError, ValueError, TypeError):
        return None
    if _is_server(endpoint.pid) and _listening(endpoint.port):
        return endpoint
    return None


def client_url(settings: Settings, environment: Mapping[str, str] | None = None) -> str | None:
    """The connection string of the home's server for a client in `environment` (this
    process's by default): None when the profile is not local, no server runs, or it was
    started for another environment."""
    if not settings.spark_master.startswith("local"):
        return None
    endpoint = running(settings)
    if endpoint is None:
        return None
    if endpoint.fingerprint != fingerprint(
        settings, os.environ if environment is None else environment
    ):
        return None

    token = read_secret(state_dir(settings) / "token").decode().strip()
    return endpoint.url(token)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(
    settings: Settings, environment: Mapping[str, str], wait: bool = True
) -> tuple[Endpoint, bool]:
    """The home's server for `environment`, started if none runs (True) or if the one running
    was started for another environment (it is stopped first); `wait` for it to listen."""

    with _locked(settings) as directory:
        wanted = fingerprint(settings, environment)
        current = running(settings)
        if current is not None and current.fingerprint == wanted:
            return current, False
        if current is not None:
            _stop(current)
        token = secrets.token_hex(32)
        write_secret(directory / "token", token.encode())
        (directory / "log4j2.properties").write_text(LOG4J2, encoding="utf-8")
        parallelism = local_parallelism()
        conf = server_conf(settings, parallelism)
        port = _free_port()
        command = [
            str(Path(sys.executable).parent / "spark-submit"),
            "--class",
            SERVER_CLASS,
            "--name",
            f"lockgate Spark Connect ({settings.home})",
            "--master",
            f"local[{parallelism}]",
            "--conf",
            f"spark.connect.grpc.binding.port={port}",
        ]
        for key, value in sorted(conf.items()):
            command += ["--conf", f"{key}={value}"]
        env = dict(environment) | {
            "SPARK_CONNECT_AUTHENTICATE_TOKEN": token,
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
        }
        env.pop("PYSPARK_GATEWAY_PORT", None)
        log = directory / "server.log"
        with open(log, "ab") as out:
            process = subprocess.Popen(
                command,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        endpoint = Endpoint(process.pid, port, wanted, parallelism, time.time())
        scratch = directory / "server.json.tmp"
        scratch.write_text(json.dumps(asdict(endpoint)), encoding="utf-8")
        os.replace(scratch, directory / "server.json")
    if wait:
        try:
            wait_ready(settings, endpoint)
        except ServerError:
            stop(settings)
            raise
    return endpoint, True


def wait_ready(settings: Settings, endpoint: Endpoint, seconds: float = READY_SECONDS) -> None:
    """Return once `endpoint` listens; ServerError with its log's tail if it died or never did."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _listening(endpoint.port) and _is_server(endpoint.pid):
            return
        if not _alive(endpoint.pid):
            break
        time.sleep(0.25)
    log = state_dir(settings) / "server.log"
    tail = (
        log.read_text(encoding="utf-8", errors="replace").splitlines()[-20:] if log.exists() else []
    )
    raise ServerError(f"the Spark Connect server did not start; {log} ends:\n" + "\n".join(tail))


def _stop(endpoint: Endpoint) -> None:
    if not _is_server(endpoint.pid):
        return
    try:
        os.killpg(endpoint.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_SECONDS
    while time.monotonic() < deadline and _group_alive(endpoint.pid):
        time.sleep(0.2)
    if _group_alive(endpoint.pid):  # the JVM, or a Python worker that outlived it
        os.killpg(endpoint.pid, signal.SIGKILL)
    _reap(endpoint.pid)


def _group_alive(group: int) -> bool:
    """Something of process group `group` (the server's JVM and its Python workers) still runs."""
    _alive(group)  # reaps the JVM if it was this process's child and has exited
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def stop(settings: Settings) -> bool:
    """Stop the home's server (its Python workers too); False if none was running."""
    with _locked(settings) as directory:
        current = running(settings)
        if current is not None:
            _stop(current)
        (directory / "server.json").unlink(missing_ok=True)
        return current is not None


@contextmanager
def serving(
    settings: Settings, environment: Mapping[str, str], wait: bool = True
) -> Iterator[Endpoint | None]:
    """The home's server while the block runs (stopped after it if this call started it; not
    yet listening unless `wait`: see `wait_ready`); None and nothing started when the profile is
    not local."""
    if not settings.spark_master.startswith("local"):
        yield None
        return
    endpoint, started = start(settings, environment, wait=wait)
    try:
        yield endpoint
    finally:
        if started:
            stop(settings)
