"""`lockgate bench` end to end at a small size: every part runs for real (the pipeline DAG
through Airflow, extraction per format, Presidio, three scorers on one Spark session, DAG
parsing) and writes its figures. Timings are printed, never asserted; what is asserted is that
the figures are complete and that every scorer gave the same scores."""

from __future__ import annotations

import json

from support import BIN, local_env, run

PIPELINE_TASKS = {
    "ensure_person_model", "extract_documents", "validate_extraction", "build_training_set",
    "routing.validate_training_set", "routing.train_model", "urgency.validate_training_set",
    "urgency.train_model", "release_to_test", "score_documents", "validate_scores",
}  # fmt: skip


def test_bench_writes_every_figure_and_the_scorers_agree(tmp_path):
    env = local_env(tmp_path / "home")
    out = tmp_path / "bench"
    result = run([str(BIN / "lockgate"), "bench", "--sizes", "300", "--score-rows", "5000",
                  "--repeats", "1", "--presidio-letters", "30", "--out", str(out)], env,
                 timeout=1800)  # fmt: skip
    figures = json.loads((out / "latest.json").read_text())
    assert (out / "latest.md").read_text() in result.stdout

    assert figures["machine"]["cores"] >= 1 and figures["machine"]["memory_gb"] > 0
    assert figures["machine"]["versions"]["pyspark"].startswith("4.3")

    [run_300] = figures["scale"]["runs"]
    assert run_300["documents"] == 300 and run_300["corpus"]["documents"] == 300
    assert run_300["received"] == 300
    assert set(run_300["stages"]) == PIPELINE_TASKS
    assert all(s["seconds"] > 0 for s in run_300["stages"].values())
    # Spark's JVM and Python workers were seen while the Spark tasks ran.
    assert run_300["stages"]["extract_documents"]["peak"]["jvm_mb"] > 100
    assert run_300["stages"]["score_documents"]["peak"]["python_workers_mb"] > 0
    assert sum(s["seconds"] for s in run_300["stages"].values()) < run_300["seconds"]
    assert figures["scale"]["growth"] == {}  # one size: no exponent is claimed

    formats = figures["extraction"]["by_format"]
    assert set(formats) >= {"eml", "pdf", "html", "txt"}
    assert all(f["docs_per_second_per_core"] > 0 for f in formats.values())
    assert figures["extraction"]["vs_presidio"]["documents"] == 30

    assert {c["model"] for c in figures["scoring"]} == {"routing", "urgency"}
    for case in figures["scoring"]:
        assert case["rows"] == 5000
        assert set(case["sides"]) == {"lockgate", "mlflow_spark_udf", "predict_proba_loop"}
        for side in case["sides"].values():
            assert side["rows_per_second"] > 0
        for side, agreement in case["agreement"].items():
            assert agreement["rows"] == 5000, side
            assert agreement["missing_rows"] == 0, side
            assert agreement["prediction_mismatches"] == 0, side
            assert agreement["decision_mismatches"] == 0, side
            assert agreement["max_confidence_difference"] < 1e-9, side

    assert {d["file"] for d in figures["dags"]} == {
        "lockgate_monitor.py", "lockgate_pipeline.py", "lockgate_release.py", "lockgate_scoring.py"}  # fmt: skip
    assert all(d["parse_seconds"] > 0 and d["tasks"] > 0 for d in figures["dags"])
    # The Spark provider is named by the DAG files, so the processor's pre-import takes it.
    assert all(d["pre_import_seconds"] > d["warm_seconds"] for d in figures["dags"])
    names = {t["target"] for t in figures["targets"]}
    assert "parse lockgate_pipeline.py" in names
    assert "scoring routing: lockgate / mlflow spark_udf" in names
