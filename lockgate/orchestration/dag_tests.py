"""`airflow dags test` for several logical dates of one DAG, and then of others, one after
another in one process: the local profile's Spark tasks run in the task's process
(`LockgateSparkJobOperator`), so the Spark session (and its warm Python workers) that the
first run opens serves every later run too, where a process per date would open one each.

    python -m lockgate.orchestration.dag_tests DAG_ID DATE [DATE ...] [-c CONF_JSON]
        [--then DAG_ID CONF_JSON DATE [DATE ...]] ...

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


def parse_runs(argv: list[str] | None = None) -> list[tuple[str, str, str | None]]:
    """(dag_id, date, conf JSON or None) of every run the arguments ask for, in order."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dag_id")
    parser.add_argument("dates", nargs="+")
    parser.add_argument("-c", "--conf", help="the runs' conf, a JSON object")
    parser.add_argument(
        "--then",
        nargs="+",
        action="append",
        default=[],
        metavar="DAG_ID CONF_JSON DATE",
        help="after those, runs of another DAG with its conf ('' for none)",
    )
    args = parser.parse_args(argv)
    runs = [(args.dag_id, day, args.conf) for day in args.dates]
    for then in args.then:
        if len(then) < 3:
            parser.error("--then takes DAG_ID CONF_JSON DATE [DATE ...]")
        runs += [(then[0], day, then[1] or None) for day in then[2:]]
    return runs


def main(argv: list[str] | None = None) -> int:
    runs = parse_runs(argv)

    # As `airflow`'s own entry point does (airflow/__main__.py): the configuration first.
    from airflow import configuration  # noqa: F401
    from airflow.cli import cli_parser
    from airflow.configuration import write_default_airflow_configuration_if_needed

    write_default_airflow_configuration_if_needed()
    airflow = cli_parser.get_parser()
    for dag_id, day, conf in runs:
        print(f"{RUN_STARTS} {dag_id} {day}", flush=True)
        command = airflow.parse_args(["dags", "test", dag_id, day, *(["-c", conf] if conf else [])])
        try:
            command.func(command)
        except SystemExit as exc:  # `dags test` exits with "DagRun failed"
            print(exc, flush=True)
        state = _state(airflow, dag_id, day)
        print(f"{RUN_ENDED} {dag_id} {day} {state}", flush=True)
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
