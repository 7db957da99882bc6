"""`lockgate bench` end to end on the demo's home: DAG parsing, extraction per format and beside
Presidio, and the three scorers on one Spark session, all for real, writing their figures.
Timings are printed, never asserted; what is asserted is that the figures are complete and
that every scorer gave the same scores.

The scale part (the pipeline DAG on a fresh home per size) is not run here: one size costs
what a demo costs, and CI's time is spent on the demo once. Its pieces are unit-tested
(tests/unit/tooling/test_bench.py) and `make bench` runs it."""

from __future__ import annotations

import json

from support import BIN, REPO, STORY_DATE, assert_scorers_agree, run


def test_bench_writes_every_figure_and_the_scorers_agree(story_home, tmp_path):
    env = story_home
    out = tmp_path / "bench"
    parts = ["--only", "dags", "--only", "extraction", "--only", "scoring"]
    result = run(
        [
            str(BIN / "lockgate"),
            "bench",
            *parts,
            "--home",
            env["LOCKGATE_HOME"],
            "--run-date",
            STORY_DATE,
            "--score-rows",
            "5000",
            "--repeats",
            "1",
            "--presidio-letters",
            "30",
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

    assert "scale" not in figures and figures["home"] == env["LOCKGATE_HOME"]

    formats = figures["extraction"]["by_format"]
    # A format whose every file is quarantined before parsing (.zip: no parser) can take less
    # CPU time than the clock shows: its figure is None, and says nothing about parsing.
    parsed = {name: f for name, f in formats.items() if f["quarantined"] < f["files"]}
    assert set(parsed) >= {"eml", "pdf", "html", "txt"}
    assert all(f["docs_per_second_per_core"] > 0 for f in parsed.values())
    assert figures["extraction"]["vs_presidio"]["documents"] == 30
    stages = figures["extraction"]["stages"]
    assert {"parse.pdf", "parse.eml", "language", "field.PHONE", "names.model"} <= set(stages)
    floor = figures["extraction"]["floor"]
    assert floor["re"] > 0 and floor["hyperscan"] > 0 and 0 < floor["lockgate_share"] < 1

    assert {c["model"] for c in figures["scoring"]} == {"routing", "urgency"}
    for case in figures["scoring"]:
        assert case["rows"] == 5000
        # The urgency model's trees are compiled by its release: `lockgate` scores from the
        # library, `lockgate_skops` from the skops model, and the two agree on every row.
        compiled = case["model"] == "urgency"
        assert (case["compiled"] is not None) == compiled
        assert set(case["sides"]) == {"lockgate", "mlflow_spark_udf", "predict_proba_loop"} | (
            {"lockgate_skops"} if compiled else set()
        )
        for side in case["sides"].values():
            assert side["rows_per_second"] > 0
        assert case["sides"]["predict_proba_loop"]["threads"] == 1  # a per-core ceiling
        assert case["spark_floor"]["rows_per_second"] > 0
        assert_scorers_agree(case, 5000)

    assert {d["file"] for d in figures["dags"]} == {p.name for p in (REPO / "dags").glob("*.py")}
    assert {"lockgate_pipeline.py", "lockgate_retrain.py"} <= {d["file"] for d in figures["dags"]}
    assert all(d["parse_seconds"] > 0 and d["tasks"] > 0 for d in figures["dags"])
    # The Spark provider is named by the DAG files, so the processor's pre-import takes it.
    assert all(d["pre_import_seconds"] > d["warm_seconds"] for d in figures["dags"])
    names = {t["target"] for t in figures["targets"]}
    assert "parse lockgate_pipeline.py" in names
    assert "scoring routing: lockgate / mlflow spark_udf" in names
