"""What a Spark task costs before and after its work, each way a task can run on this machine.

A task under Airflow's scheduler is a process of its own. It can reach Spark three ways:
`spark-submit` (the YARN profile's way, and a job run by hand), a Spark application of its own
started in the task's process (the local profile without a server), or the home's Spark Connect
server (`lockgate.spark_connect`). For each way and each job this starts a fresh process, as the
scheduler would, and splits its wall time into:

- `start`: from spawning the process to having a session (interpreter, imports, JVM, context);
- `work`: the job's `main`, from its first line to its last;
- `stop`: the session's end and the process's exit.

`fixed` is everything but `work`. The jobs are the extraction of one landed day (its reruns
write the same bytes) and `noop`, a Python-worker query over 1,000 rows: a task that does
nothing, so all of its time is fixed cost (its `work` column shows how much of it was that
query: cold Python workers, a cold JVM).

    python -m lockgate.tooling.bench.tasks JOB [JOB_ARGS...]   (the measured process; prints one JSON line)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path

from lockgate.config import Settings

WAYS = ("spark-submit", "own application", "Spark Connect server")
MARK = "lockgate-task-phases "


def noop(argv: list[str], spark) -> None:
    """A task that does no work of its own: one query through the Python workers."""
    from collections.abc import Iterator

    import pyarrow as pa

    def same(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        yield from batches

    spark.range(1000).mapInArrow(same, "id long").count()


def _job(name: str):
    if name == "noop":
        return noop
    from lockgate.config import repo_root
    from lockgate.orchestration.operators import job_main

    return job_main(str(repo_root() / "jobs" / f"{name}.py"))


def main(argv: list[str]) -> None:
    """The measured process: a session the way LOCKGATE_TASK_WAY says, the job, the phases."""
    spawned = float(os.environ["LOCKGATE_TASK_T0"])
    way = os.environ["LOCKGATE_TASK_WAY"]
    from lockgate.spark import build_session, is_connect, task_session

    name, args = argv[0], argv[1:]
    job = _job(name)
    served = way == "Spark Connect server"
    with task_session() if served else nullcontext(build_session(f"bench-{name}")) as spark:
        if served and not is_connect(spark):  # a figure of its own application under this label
            raise SystemExit(
                "the home's Spark Connect server does not serve this environment "
                "(lockgate spark-server status)"
            )
        ready = time.time()
        job(args, spark=spark)
        done = time.time()
    spark.stop()
    print(
        MARK + json.dumps({"start": ready - spawned, "work": done - ready, "done": done}),
        flush=True,
    )


def measure(settings: Settings, job: str, args: list[str], way: str) -> dict:
    """One fresh process running `job` the `way` given; its phases in seconds."""
    from lockgate.orchestration import airflow_process_env

    env = airflow_process_env(settings) | {"LOCKGATE_TASK_WAY": way}
    command = [sys.executable, "-m", "lockgate.tooling.bench.tasks", job, *args]
    if way == "spark-submit":
        command = [
            str(Path(sys.executable).parent / "spark-submit"),
            "--master",
            "local[*]",
            str(Path(__file__)),
            job,
            *args,
        ]
    env["LOCKGATE_TASK_T0"] = repr(time.time())
    started = time.time()
    done = subprocess.run(command, env=env, text=True, capture_output=True, check=False)
    ended = time.time()
    if done.returncode != 0:
        raise RuntimeError(f"{job} by {way} exited {done.returncode}: {done.stderr[-2000:]}")
    phases = json.loads(
        next(line[len(MARK) :] for line in done.stdout.splitlines() if line.startswith(MARK))
    )
    total = ended - started
    # `noop` has no work of its own: its query is all workers' start and the JVM's warming.
    fixed = total if job == "noop" else total - phases["work"]
    return {
        "job": job,
        "way": way,
        "start": round(phases["start"], 2),
        "work": round(phases["work"], 2),
        "stop": round(ended - phases["done"], 2),
        "total": round(total, 2),
        "fixed": round(fixed, 2),
    }


def fixed_costs(settings: Settings, run_date: str, repeats: int, say=print) -> list[dict]:
    """Every job, every way, `repeats` times each (the home's server started for the Connect
    way, and stopped after if this started it)."""
    from lockgate.orchestration import airflow_process_env
    from lockgate.spark_connect import serving

    jobs = [("noop", []), ("extract_documents", ["--run-date", run_date])]
    results = []
    with serving(settings, airflow_process_env(settings)):
        for job, args in jobs:
            for way in WAYS:
                for _ in range(repeats):
                    results.append(measure(settings, job, args, way))
                    r = results[-1]
                    say(
                        f"   {job:<18} {way:<21} fixed {r['fixed']:6.1f} s (start {r['start']:.1f}, "
                        f"stop {r['stop']:.1f})  work {r['work']:6.1f} s"
                    )
    return results


if __name__ == "__main__":
    main(sys.argv[1:])
