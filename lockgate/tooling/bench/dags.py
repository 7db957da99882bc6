"""How long Airflow takes to parse each DAG file, by Airflow's own DagBag timing.

Airflow's DAG processor parses every file in a fresh child process. Before it forks one, it
imports the `airflow.*` modules the file names ([dag_processor] parsing_pre_import_modules,
on by default), once for the life of the processor. So each file is parsed here in a new
interpreter that does the same: Airflow's own `iter_airflow_imports`, timed apart as the
one-off `pre_import_seconds`, then a DagBag of the file, whose timing is `parse_seconds`, what
every parse costs. A second parse in the same interpreter (`warm_seconds`) shows how much of
that was importing lockgate itself.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from lockgate.config import Settings, repo_root

_PARSE = r"""
import importlib, json, sys, time
import airflow.sdk
from airflow.configuration import conf
from airflow.dag_processing.dagbag import DagBag
from airflow.utils.file import iter_airflow_imports

started = time.perf_counter()
if conf.getboolean("dag_processor", "parsing_pre_import_modules", fallback=True):
    for module in iter_airflow_imports(sys.argv[1]):
        importlib.import_module(module)
pre_import = time.perf_counter() - started

def parse(path):
    bag = DagBag(dag_folder=path)
    if bag.import_errors:
        raise SystemExit(f"{path}: {bag.import_errors}")
    stat = bag.dagbag_stats[0]
    return stat.duration.total_seconds(), stat.dag_num, stat.task_num

first, dags, tasks = parse(sys.argv[1])
warm, _, _ = parse(sys.argv[1])
print(json.dumps({"pre_import": pre_import, "parse": first, "warm": warm, "dags": dags,
                  "tasks": tasks}))
"""


def dag_files(folder: Path | None = None) -> list[Path]:
    return sorted((folder or repo_root() / "dags").glob("*.py"))


def parse_times(settings: Settings, repeats: int = 3) -> list[dict]:
    """Per DAG file: medians over `repeats` fresh interpreters of its pre-import, parse and warm
    parse times."""

    from lockgate.orchestration import airflow_process_env

    env = airflow_process_env(settings)
    results = []
    for path in dag_files():
        runs = []
        for _ in range(repeats):
            done = subprocess.run(
                [sys.executable, "-c", _PARSE, str(path)],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise RuntimeError(f"parsing {path.name} failed:\n{done.stderr[-2000:]}")
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        results.append(
            {
                "file": path.name,
                "dags": runs[0]["dags"],
                "tasks": runs[0]["tasks"],
                "pre_import_seconds": round(statistics.median(r["pre_import"] for r in runs), 4),
                "parse_seconds": round(statistics.median(r["parse"] for r in runs), 4),
                "warm_seconds": round(statistics.median(r["warm"] for r in runs), 4),
            }
        )
    return results
