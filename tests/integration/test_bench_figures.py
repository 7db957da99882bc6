"""`lockgate bench` end to end on the demo's home: DAG parsing and extraction per format, for
real, writing their figures. Timings are printed, never asserted; what is asserted is that the
figures are complete.

Three parts run elsewhere, once each: the scorers' bench on YARN executors in the cluster suite
(tests/cluster/test_yarn_pipeline.py: every side, the Spark floor, and that every scorer gave
the same scores), extraction beside Presidio as `make bench-extract` in the pipeline suite, and
the scale part (the pipeline DAG on a fresh home per size) not in CI: one size costs what a demo
costs, and CI's time is spent on the demo once. Its pieces are unit-tested
(tests/unit/tooling/test_bench.py) and `make bench` runs it."""

from __future__ import annotations

import json

from support import BIN, REPO, STORY_DATE, run


def test_bench_writes_every_figure_of_dag_parsing_and_extraction(story_home, tmp_path):
    env = story_home
    out = tmp_path / "bench"
    parts = ["--only", "dags", "--only", "extraction"]
    result = run(
        [
            str(BIN / "lockgate"),
            "bench",
            *parts,
            "--home",
            env["LOCKGATE_HOME"],
            "--run-date",
            STORY_DATE,
            "--repeats",
            "1",
            "--presidio-letters",
            "0",
            "--out",
            str(out),
        ],
        env,
        timeout=1800,
    )
    figures = json.loads((out / "latest.json").read_text())
    assert (out / "latest.md").read_text() in result.stdout

    assert figures["machine"]["cores"] >= 1 and figures["machine"]["memory_gb"] > 0
    assert figures["machine"]["versions"]["pyspark"].startswith("4.3")

    assert "scale" not in figures and "scoring" not in figures
    assert figures["home"] == env["LOCKGATE_HOME"]

    formats = figures["extraction"]["by_format"]
    # A format whose every file is quarantined before parsing (.zip: no parser) can take less
    # CPU time than the clock shows: its figure is None, and says nothing about parsing.
    parsed = {name: f for name, f in formats.items() if f["quarantined"] < f["files"]}
    assert set(parsed) >= {"eml", "pdf", "html", "txt"}
    assert all(f["docs_per_second_per_core"] > 0 for f in parsed.values())
    assert "vs_presidio" not in figures["extraction"]  # --presidio-letters 0
    stages = figures["extraction"]["stages"]
    assert {"parse.pdf", "parse.eml", "language", "field.PHONE", "names.model"} <= set(stages)
    floor = figures["extraction"]["floor"]
    assert floor["re"] > 0 and floor["hyperscan"] > 0 and 0 < floor["lockgate_share"] < 1

    assert {d["file"] for d in figures["dags"]} == {p.name for p in (REPO / "dags").glob("*.py")}
    assert {"lockgate_pipeline.py", "lockgate_retrain.py"} <= {d["file"] for d in figures["dags"]}
    assert all(d["parse_seconds"] > 0 and d["tasks"] > 0 for d in figures["dags"])
    # The Spark provider is named by the DAG files, so the processor's pre-import takes it.
    assert all(d["pre_import_seconds"] > d["warm_seconds"] for d in figures["dags"])
    names = {t["target"] for t in figures["targets"]}
    assert "parse lockgate_pipeline.py" in names
