"""`make bench`: lockgate's speed and memory, side by side with what a team would otherwise use.

Parts, each optional:
- `dags`: every DAG file's parse time, by Airflow's DagBag (`bench.dags`);
- `scale`: the pipeline DAG at each size in its own home (`bench.scale`);
- `extraction`: docs/s per core per format, and lockgate vs Presidio (`extraction.bench`);
- `scoring`: lockgate vs `mlflow.pyfunc.spark_udf` vs a `predict_proba` loop (`bench.scoring`).

Extraction and scoring use the smallest scale home (its corpus, registry and the release the
pipeline deployed to test), built first when it is missing, or any home given (`make demo`'s).
On the cluster profile they use the cluster's own lake (`make demo` on YARN): scoring runs its
Spark sides on YARN executors over HDFS, and extraction parses a local copy of the day's
landing (one core, no Spark: where a file came from does not change its parsing); the scale
part builds homes on the local disk, so it runs on the local profile only. Figures go to
`<out>/bench-<time>.json` and `.md`, and `latest.json` / `latest.md`. A missed target is a
figure, never a failure; scores that differ between scorers are a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

PARTS = ("dags", "scale", "extraction", "scoring", "tasks", "fraud")


def _smallest_home(
    root: Path,
    sizes: list[int],
    run_date: str,
    seed: int,
    workers: int,
    runs: list[dict],
    say: Callable[[str], None],
) -> Path:
    from lockgate.config import load_settings
    from lockgate.storage import Layout, uri_exists
    from lockgate.tooling.bench.scale import run_size

    smallest = min(sizes)
    home = root / f"scale-{smallest}"
    layout = Layout(load_settings(home=home).storage_root)
    if not any(r["documents"] == smallest for r in runs) and not uri_exists(
        layout.extraction_manifest(run_date)
    ):
        say(f"== building the {smallest:,}-document home the other parts read")
        runs.append(run_size(root, smallest, run_date, seed, workers))
    return home


def run_bench(
    parts: list[str],
    sizes: list[int],
    score_rows: int,
    repeats: int,
    out: Path,
    run_date: str = "2026-11-20",
    seed: int = 11,
    presidio_letters: int = 1000,
    home: Path | None = None,
    earlier: list[Path] = (),
    say: Callable[[str], None] = print,
    fraud_rows: int = 1_000_000,
) -> dict:
    """The parts' figures; `earlier` bench files lend their scale runs of other sizes to the
    growth fit (same code and machine only, see `scale.earlier_runs`)."""
    from lockgate.config import load_settings
    from lockgate.storage import write_json_atomic
    from lockgate.tooling.bench.measure import code_digest, machine
    from lockgate.tooling.bench.report import markdown, targets

    settings = load_settings()
    on_disk = settings.storage_root.startswith("file://")
    if not on_disk and {"scale", "fraud"} & set(parts):
        raise ValueError(
            "the scale and fraud benches build homes of their own on the local disk; run "
            "them with the local profile"
        )
    info = machine()
    workers = info["cores"]
    code = code_digest()
    figures: dict = {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "profile": settings.profile,
        "machine": info,
        "code": code,
    }
    root = out
    runs: list[dict] = []
    if "dags" in parts:
        from lockgate.tooling.bench.dags import parse_times

        say("== DAG parse times")
        figures["dags"] = parse_times(settings, repeats)
    if "scale" in parts:
        from lockgate.tooling.bench.scale import earlier_runs, growth, run_size

        # Refused here, before hours of work, when they cannot join.
        lent = earlier_runs(list(earlier), code["digest"], info, sizes)
        for size in sorted(sizes):
            say(f"== the pipeline DAG at {size:,} documents")
            runs.append(run_size(root, size, run_date, seed, workers) | {"code": code["digest"]})
            say(f"   {runs[-1]['seconds']} s, peak {runs[-1]['peak']['total_mb']:,.0f} MB")
        every = sorted(runs + lent, key=lambda r: r["documents"])
        figures["scale"] = {"runs": every, "growth": growth(every)}
    if "tasks" in parts and not on_disk:
        raise ValueError(
            "the tasks bench compares the local profile's ways to run a Spark task "
            "(on YARN every task is spark-submit)"
        )
    if {"extraction", "scoring", "tasks"} & set(parts):
        if on_disk:
            home = home or _smallest_home(root, sizes, run_date, seed, workers, runs, say)
        else:
            home = home or settings.home
        figures["home"] = str(home)
        home_settings = load_settings(home=home)
    if "extraction" in parts:
        figures["extraction"] = _extraction(
            home_settings, run_date, presidio_letters, root / "extraction", say
        )
    if "scoring" in parts:
        figures["scoring"] = _scoring(
            home_settings, run_date, score_rows, repeats, root / "scoring", say
        )
    if "tasks" in parts:
        from lockgate.tooling.bench.tasks import fixed_costs

        say("== a Spark task's fixed cost, a fresh process each, three ways")
        figures["tasks"] = fixed_costs(home_settings, run_date, repeats, say)
    if "fraud" in parts:
        from lockgate.tooling.bench.transactions import fraud_at_scale

        figures["fraud"] = fraud_at_scale(root / "fraud", run_date, fraud_rows, say)
    figures["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    figures["targets"] = targets(figures)
    stamp = figures["started"].replace(":", "").replace("+0000", "Z")
    text = markdown(figures)
    for name in (f"bench-{stamp}", "latest"):
        write_json_atomic((out / f"{name}.json").resolve().as_uri(), figures)
        (out / f"{name}.md").write_text(text + "\n", encoding="utf-8")
    figures["markdown"] = str(out / f"bench-{stamp}.md")
    return figures


def _extraction(settings, run_date: str, letters: int, scratch: Path, say) -> dict:
    from lockgate.extraction.parsed import Limits
    from lockgate.pipeline.extraction import released_person_model
    from lockgate.storage import Layout
    from lockgate.tooling.bench.extraction import bench_letters, format_throughput
    from lockgate.tooling.bench.scoring import local_copy

    person_model = released_person_model(settings)
    landing = local_copy(Layout(settings.storage_root).landing(run_date), scratch / "landing")
    say("== extraction per format, one core")
    result = format_throughput(landing, Limits.of(settings.policy.extraction), person_model)
    if letters:
        say(f"== extraction vs Presidio on {letters} letters")
        result["vs_presidio"] = bench_letters(letters, 202, person_model)
    return result


def _scoring(settings, run_date: str, rows: int, repeats: int, scratch: Path, say) -> list[dict]:
    """Every model in test, three ways; the Spark sides' data under the lake's sibling `bench`
    folder (HDFS on the cluster), the rest in `scratch`."""
    from lockgate.spark import driver_session
    from lockgate.tooling.bench.executors import SPARK_METRICS
    from lockgate.tooling.bench.scoring import bench_case, cases

    on_disk = settings.storage_root.startswith("file://")
    if on_disk:
        work = f"file://{scratch.resolve()}"  # as the profile spells its lake
    else:
        work = settings.storage_root.rstrip("/").rsplit("/", 1)[0] + "/bench/scoring"
    # Local executors are this process's children, sampled as they are; polling /proc in
    # the JVM as well would only add its cost to the Spark sides.
    spark = driver_session("lockgate-bench-scoring", conf=None if on_disk else SPARK_METRICS)
    try:
        say(f"   Spark master {spark.sparkContext.master}, data under {work}")
        results = []
        for case in cases(spark, settings, "test", run_date, rows, work):
            say(f"== scoring {case.model} v{case.version}: {case.rows:,} rows, three ways")
            results.append(
                bench_case(spark, case, f"{work}/{case.model}", scratch / case.model, repeats)
            )
            sides = results[-1]["sides"]
            say(
                "   "
                + ", ".join(f"{name} {s['rows_per_second']:,} rows/s" for name, s in sides.items())
            )
        return results
    finally:
        spark.stop()


def disagreements(figures: dict) -> list[str]:
    """Scorers whose scores differ from lockgate's, by model."""
    from lockgate.tooling.bench.scoring import differs

    return [
        f"{case['model']}: {side} {agreement}"
        for case in figures.get("scoring", [])
        for side, agreement in case["agreement"].items()
        if differs(agreement)
    ]
