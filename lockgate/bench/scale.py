"""The whole pipeline at growing sizes: the `lockgate_pipeline` DAG run through Airflow
(`airflow dags test`) on a fresh home per size, every stage timed by Airflow's own task
instances and its memory sampled from the run's process tree.

Each size gets its own home under the bench folder: a generated day of `n` documents, a
migrated Airflow metadata DB, an empty registry and ledger. The corpus is generated in one
process per core with the "lines" PDF layout (see `corpus.generator._pdf_bytes`); generating
it is input preparation, reported apart from the pipeline.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

from lockgate.bench.growth import growth_exponent
from lockgate.bench.measure import run_measured

DAG_ID = "lockgate_pipeline"


def _generate_part(job: tuple[str, str, str, int, int, int]) -> dict:
    from lockgate.corpus import generate_corpus

    landing, labels, run_date, first, count, seed = job
    summary = generate_corpus(landing, labels, run_date, count, seed, first=first,
                              pdf_layout="lines")  # fmt: skip
    return {"broken": summary.broken, "by_format": summary.by_format}


def generate_day(landing: Path, labels: Path, run_date: str, documents: int, seed: int,
                 workers: int, min_part: int = 1000) -> dict:  # fmt: skip
    """`documents` files for `run_date` in up to `workers` processes of at least `min_part`
    files each; one ground truth file, in file order."""
    parts = max(1, min(workers, documents // min_part))
    size = -(-documents // parts)
    scratch = labels.parent / f".parts-{run_date}"
    jobs = [
        (str(landing), str(scratch / str(i)), run_date, i * size,
         min(size, documents - i * size), seed)
        for i in range(parts) if i * size < documents
    ]  # fmt: skip
    started = time.perf_counter()
    with ProcessPoolExecutor(len(jobs)) as pool:
        results = list(pool.map(_generate_part, jobs))
    labels.mkdir(parents=True, exist_ok=True)
    with (labels / "ground_truth.jsonl").open("wb") as truth:
        for _, part, *_ in jobs:
            truth.write((Path(part) / "ground_truth.jsonl").read_bytes())
    shutil.rmtree(scratch)
    by_format: dict[str, int] = {}
    for result in results:
        for fmt, count in result["by_format"].items():
            by_format[fmt] = by_format.get(fmt, 0) + count
    return {
        "documents": documents,
        "broken": sum(r["broken"] for r in results),
        "by_format": dict(sorted(by_format.items())),
        "processes": len(jobs),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _airflow(env: dict[str, str], *args: str) -> str:
    binary = str(Path(sys.executable).parent / "airflow")
    done = subprocess.run([binary, *args], env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _task_instances(env: dict[str, str], run_date: str) -> list[dict]:
    out = _airflow(env, "tasks", "states-for-dag-run", DAG_ID, run_date, "-o", "json")
    line = next(line for line in reversed(out.splitlines()) if line.startswith("["))
    return json.loads(line)


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def run_size(root: Path, documents: int, run_date: str, seed: int, workers: int) -> dict:
    """One fresh home of `documents` documents through the pipeline DAG; per-stage figures."""
    from lockgate.config import load_settings
    from lockgate.orchestration import airflow_process_env
    from lockgate.storage import Layout, read_json

    home = root / f"scale-{documents}"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    settings = load_settings(home=home)
    layout = Layout(settings.storage_root)
    local = lambda uri: Path(uri.removeprefix("file://"))  # noqa: E731
    corpus = generate_day(local(layout.landing(run_date)), local(layout.labels(run_date)),
                          run_date, documents, seed, workers)  # fmt: skip
    env = airflow_process_env(settings)
    _airflow(env, "db", "migrate")
    binary = str(Path(sys.executable).parent / "airflow")
    with (home / "dags-test.log").open("wb") as log:
        run = run_measured([binary, "dags", "test", DAG_ID, run_date], env=env, log=log)
    instances = _task_instances(env, run_date)
    failed = [ti["task_id"] for ti in instances if ti["state"] != "success"]
    if run.returncode != 0 or failed:
        raise RuntimeError(f"{DAG_ID} at {documents} documents failed ({failed}); see "
                           f"{home / 'dags-test.log'}")  # fmt: skip
    stages = {}
    for ti in sorted(instances, key=lambda t: t["start_date"]):
        start, end = _epoch(ti["start_date"]), _epoch(ti["end_date"])
        stages[ti["task_id"]] = {"seconds": round(end - start, 2),
                                 "peak": run.sampler.peak(start, end)}  # fmt: skip
    extraction = read_json(layout.manifest("extraction", run_date))
    return {
        "documents": documents,
        "home": str(home),
        "corpus": corpus,
        "seconds": round(run.seconds, 1),
        "peak": run.sampler.peak(),
        "received": extraction["received"],
        "parsed": extraction["parsed"],
        "quarantined": extraction["quarantined"],
        "stages": stages,
    }


def growth(runs: list[dict]) -> dict:
    """k of cost ∝ n^k for the whole run and each stage: over every size, and between the two
    largest sizes (the target's 100k → 1M)."""
    ordered = sorted(runs, key=lambda r: r["documents"])
    if len(ordered) < 2:
        return {}

    def both(points: list[tuple[float, float]]) -> dict:
        return {"all_sizes": round(growth_exponent(points), 3),
                "largest_two": round(growth_exponent(points[-2:]), 3)}  # fmt: skip

    result = {"pipeline": both([(r["documents"], r["seconds"]) for r in ordered])}
    for stage in ordered[-1]["stages"]:
        points = [(r["documents"], r["stages"][stage]["seconds"]) for r in ordered
                  if stage in r["stages"]]  # fmt: skip
        if len(points) == len(ordered):
            result[stage] = both(points)
    return result
