"""`airflow dags test` for several logical dates of one DAG, one after another in one process:
the local profile's Spark tasks run in the task's process (`LockgateSparkJobOperator`), so the
Spark application the first run starts serves every later run too, where a process per date
would start one each.

    python -m lockgate.orchestration.dag_tests DAG_ID DATE [DATE ...] [-c CONF_JSON]

Run in Airflow's environment (`lockgate.orchestration.airflow_process_env`). Each run is
Airflow's own `dags test` command. Before each run a line `RUN_STARTS` names its date, after it
a line `RUN_ENDED` gives its state; the exit code is 1 if any run did not succeed, and a failed
run stops the ones after it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys

DAG_RUN_STATES = ("queued", "running", "success", "failed")

RUN_STARTS = "===== lockgate dags test: starting"
RUN_ENDED = "===== lockgate dags test: ended"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dag_id")
    parser.add_argument("dates", nargs="+")
    parser.add_argument("-c", "--conf", help="the runs' conf, a JSON object")
    args = parser.parse_args(argv)

    # As `airflow`'s own entry point does (airflow/__main__.py): the configuration first.
    from airflow import configuration  # noqa: F401
    from airflow.cli import cli_parser
    from airflow.configuration import write_default_airflow_configuration_if_needed

    write_default_airflow_configuration_if_needed()
    airflow = cli_parser.get_parser()
    for day in args.dates:
        print(f"{RUN_STARTS} {args.dag_id} {day}", flush=True)
        command = airflow.parse_args(
            ["dags", "test", args.dag_id, day, *(["-c", args.conf] if args.conf else [])]
        )
        try:
            command.func(command)
        except SystemExit as exc:  # `dags test` exits with "DagRun failed"
            print(exc, flush=True)
        state = _state(airflow, args.dag_id, day)
        print(f"{RUN_ENDED} {args.dag_id} {day} {state}", flush=True)
        if state != "success":
            return 1
    return 0


def _state(airflow, dag_id: str, day: str) -> str:
    """The run's state as `airflow dags state` gives it (its last line that starts with one)."""
    command = airflow.parse_args(["dags", "state", dag_id, day])
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        command.func(command)
    states = [line.split(",")[0].strip() for line in said.getvalue().splitlines()]
    return next((s for s in reversed(states) if s in DAG_RUN_STATES), "unknown")


if __name__ == "__main__":
    sys.exit(main())
