"""`lockgate airflow ...` against this checkout, and `lockgate spark-server`: the processes the
local profile runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click

from lockgate.config import load_settings


@click.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def airflow(args: tuple[str, ...]) -> None:
    """Run the `airflow` CLI against this checkout's DAGs and metadata DB (e.g. `lockgate airflow standalone`)."""
    binary, env = airflow_command()
    if args[:2] == ("dags", "trigger"):
        from lockgate.release.identity import trigger_environment

        raise SystemExit(_trigger(binary, trigger_environment(env), list(args)))
    if args[:1] == ("standalone",):
        raise SystemExit(_serving_spark(binary, list(args), env))
    os.execve(binary, [binary, *args], env)


def _serving_spark(binary: str, args: list[str], env: dict[str, str]) -> int:
    """`airflow standalone` with the home's Spark Connect server running while it does (started
    first, stopped after it if this call started it): every task the scheduler starts then
    connects to a warm Spark application instead of starting one."""
    import signal

    from lockgate.spark_connect import serving

    with serving(load_settings(), env) as endpoint:
        if endpoint is not None:
            click.echo(f"Spark Connect server on 127.0.0.1:{endpoint.port} (pid {endpoint.pid})")
        process = subprocess.Popen([binary, *args], env=env)
        signal.signal(signal.SIGTERM, lambda *_: process.terminate())
        while True:
            try:
                return process.wait()
            except KeyboardInterrupt:  # the terminal sent it to Airflow too: wait for it to stop
                continue


@click.group("spark-server")
def spark_server() -> None:
    """The home's Spark Connect server (local profile): one warm Spark application for every
    task and process, started and stopped by `lockgate demo` and `make ui` themselves."""


@spark_server.command("start")
def spark_server_start() -> None:
    """Start it (for this environment: PYTHONPATH, home, profile) unless it runs."""
    from lockgate.orchestration import airflow_process_env
    from lockgate.spark_connect import start

    settings = load_settings()
    if not settings.spark_master.startswith("local"):
        raise click.ClickException(
            "the Spark Connect server is for the local profile; on YARN every task is spark-submit"
        )
    endpoint, started = start(settings, airflow_process_env(settings))
    click.echo(
        f"{'started' if started else 'running'}: 127.0.0.1:{endpoint.port} (pid {endpoint.pid})"
    )


@spark_server.command("stop")
def spark_server_stop() -> None:
    """Stop it and its Python workers."""
    from lockgate.spark_connect import stop

    click.echo("stopped" if stop(load_settings()) else "not running")


@spark_server.command("status")
def spark_server_status() -> None:
    """Whether it runs, where, and whether this environment's tasks would use it."""
    from lockgate.orchestration import airflow_environment
    from lockgate.spark_connect import fingerprint, running

    settings = load_settings()
    endpoint = running(settings)
    if endpoint is None:
        click.echo("not running: each Spark task starts an application of its own")
        raise SystemExit(3)
    same = endpoint.fingerprint == fingerprint(settings, os.environ | airflow_environment(settings))
    click.echo(
        f"running: 127.0.0.1:{endpoint.port} (pid {endpoint.pid}, local[{endpoint.parallelism}])"
        + (
            ""
            if same
            else "; started for another environment (PYTHONPATH): this "
            "environment's tasks would not use it"
        )
    )


# The metadata DB's answer to a second run of a DAG for one logical date (SQLite, PostgreSQL).
_RUN_EXISTS = re.compile(
    r"(UNIQUE constraint failed|duplicate key value violates unique constraint).*dag_run"
)


def _trigger(binary: str, env: dict[str, str], args: list[str]) -> int:
    """`airflow dags trigger`, except that a logical date that already has a run gets one line
    saying so and how to run it again, instead of the database's 100-line traceback."""
    done = subprocess.run([binary, *args], env=env, text=True, capture_output=True, check=False)
    said = done.stdout + done.stderr
    if done.returncode != 0 and _RUN_EXISTS.search(said):
        dag_id = args[2] if len(args) > 2 else "the DAG"
        given = [a for a in args if a.startswith(("-l=", "--logical-date="))]
        flag = next((i for i, a in enumerate(args) if a in ("-l", "--logical-date")), None)
        day = given[0].split("=", 1)[1] if given else args[flag + 1] if flag is not None else "?"
        click.echo(
            f"{dag_id} already has a run for logical date {day}; a date runs once. To run "
            f"it again, clear its tasks and the scheduler reruns them: lockgate airflow tasks "
            f"clear {dag_id} -s {day} -e {day} --yes",
            err=True,
        )
        return 1
    sys.stdout.write(done.stdout)
    sys.stderr.write(done.stderr)
    return done.returncode


def airflow_command() -> tuple[str, dict[str, str]]:
    """The venv's airflow binary and the environment that points it at this checkout."""
    from lockgate.orchestration import airflow_process_env

    return str(Path(sys.executable).parent / "airflow"), airflow_process_env(load_settings())
