"""How long Airflow takes to parse each DAG file, by Airflow's own DagBag timing.

Airflow's DAG processor parses every file in a fresh child process that has Airflow imported
and nothing of the DAG's own imports, so each file is parsed here in a new interpreter after
`import airflow.sdk`: that first parse ("cold") is what the processor pays. A second parse in
the same interpreter ("warm") shows how much of it was importing.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path

from lockgate.config import Settings, repo_root

_PARSE = r"""
import json, sys
import airflow.sdk  # loaded before any DAG file, as in the DAG processor
from airflow.dag_processing.dagbag import DagBag

def parse(path):
    bag = DagBag(dag_folder=path)
    if bag.import_errors:
        raise SystemExit(f"{path}: {bag.import_errors}")
    stat = bag.dagbag_stats[0]
    return stat.duration.total_seconds(), stat.dag_num, stat.task_num

cold, dags, tasks = parse(sys.argv[1])
warm, _, _ = parse(sys.argv[1])
print(json.dumps({"cold": cold, "warm": warm, "dags": dags, "tasks": tasks}))
"""


def dag_files(folder: Path | None = None) -> list[Path]:
    return sorted((folder or repo_root() / "dags").glob("*.py"))


def parse_times(settings: Settings, repeats: int = 3) -> list[dict]:
    """Per DAG file: the median over `repeats` fresh interpreters of its cold and warm parse."""
    import os

    from lockgate.orchestration import airflow_environment

    env = os.environ | airflow_environment(settings)
    Path(env["AIRFLOW_HOME"]).mkdir(parents=True, exist_ok=True)
    results = []
    for path in dag_files():
        runs = []
        for _ in range(repeats):
            done = subprocess.run([sys.executable, "-c", _PARSE, str(path)], env=env,
                                  capture_output=True, text=True, check=False)  # fmt: skip
            if done.returncode != 0:
                raise RuntimeError(f"parsing {path.name} failed:\n{done.stderr[-2000:]}")
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        results.append({
            "file": path.name,
            "dags": runs[0]["dags"],
            "tasks": runs[0]["tasks"],
            "cold_seconds": round(statistics.median(r["cold"] for r in runs), 4),
            "warm_seconds": round(statistics.median(r["warm"] for r in runs), 4),
        })  # fmt: skip
    return results
