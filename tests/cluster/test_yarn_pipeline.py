"""The pipeline on the `yarn` profile: Airflow (PostgreSQL metadata DB) submits every Spark job
to YARN in cluster deploy mode, data lives in HDFS, MLflow and the ledger on PostgreSQL.

Outputs are checked through the services' own REST APIs (ResourceManager, WebHDFS), not
through lockgate's code paths.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import time

import pyarrow.parquet as pq
import pytest
import requests
from support import BIN, REPO, STORY_DOCUMENTS, assert_scorers_agree, run

pytestmark = pytest.mark.cluster

RUN_DATE = "2026-11-20"
# As many as the local story, so both models pass their gates and reach test. The story itself
# (soak, approvals, prod, rollback) is the integration suite's: here the pipeline is the subject.
DOCUMENTS = STORY_DOCUMENTS
RM = "http://127.0.0.1:8088"
WEBHDFS = "http://127.0.0.1:9870/webhdfs/v1"
LAKE = "/lockgate/lake"
JOBS = (
    "extract_documents",
    "build_training_set",
    "train_model-routing",
    "train_model-urgency",
    "score_documents",
)


def _apps(since_ms: int, **filters) -> list[dict]:
    params = {"applicationTags": "lockgate", "startedTimeBegin": str(since_ms)} | filters
    response = requests.get(f"{RM}/ws/v1/cluster/apps", params=params, timeout=15)
    response.raise_for_status()
    return (response.json().get("apps") or {}).get("app", [])


def _listing(path: str) -> list[str]:
    response = requests.get(f"{WEBHDFS}{path}", params={"op": "LISTSTATUS"}, timeout=15)
    assert response.status_code == 200, f"{path}: {response.text[:300]}"
    return [status["pathSuffix"] for status in response.json()["FileStatuses"]["FileStatus"]]


def _read(path: str) -> bytes:
    response = requests.get(f"{WEBHDFS}{path}", params={"op": "OPEN"}, timeout=30)
    assert response.status_code == 200, f"{path}: {response.text[:300]}"
    return response.content


def _manifest(stage: str) -> dict:
    return json.loads(_read(f"{LAKE}/manifests/{stage}/run_date={RUN_DATE}.json"))


def _partition(dataset: str):
    path = f"{LAKE}/{dataset}/run_date={RUN_DATE}"
    tables = [
        pq.read_table(io.BytesIO(_read(f"{path}/{name}")))
        for name in sorted(_listing(path))
        if name.endswith(".parquet")
    ]
    assert tables, f"no parquet files in {path}"
    return [row for table in tables for row in table.to_pylist()]


def _lockgate(env, *args, check=True, timeout=1800):
    return run([str(BIN / "lockgate"), *args], env, check=check, timeout=timeout)


@pytest.fixture(scope="module")
def yarn_demo(cluster):
    started_ms = int(time.time() * 1000)
    result = _lockgate(
        cluster, "demo", "--run-date", RUN_DATE, "--documents", str(DOCUMENTS), "--no-story"
    )
    return cluster, result.stdout, started_ms


def test_every_spark_job_ran_on_yarn_and_succeeded(yarn_demo):
    _, stdout, started_ms = yarn_demo
    apps = _apps(started_ms)
    by_name: dict[str, list[dict]] = {}
    for app in apps:
        by_name.setdefault(app["name"], []).append(app)
    for job in JOBS:
        runs = by_name.get(f"lockgate-{job}")
        assert runs, f"no YARN application for {job}; saw {sorted(by_name)}"
        assert [(a["state"], a["finalStatus"]) for a in runs] == [("FINISHED", "SUCCEEDED")], runs
    assert "scores" in stdout and "hdfs://" in stdout


def test_outputs_are_in_hdfs(yarn_demo):
    partition = f"run_date={RUN_DATE}"
    assert len(_listing(f"{LAKE}/landing/{RUN_DATE}")) == DOCUMENTS
    assert "part-00000.parquet" in _listing(f"{LAKE}/extracted/documents/{partition}")
    assert "part-00000.parquet" in _listing(f"{LAKE}/quarantine/{partition}")
    assert "part-00000.parquet" in _listing(f"{LAKE}/scores/test/routing/{partition}")
    assert any(name.startswith("snapshot=") for name in _listing(f"{LAKE}/training/routing"))

    extraction = _manifest("extraction")
    assert extraction["received"] == DOCUMENTS
    accounted = extraction["parsed"] + extraction["duplicates"] + extraction["quarantined"]
    assert accounted == DOCUMENTS
    documents = _partition("extracted/documents")
    assert sum(row["parent_doc_id"] is None for row in documents) == extraction["parsed"]
    assert len(documents) - extraction["parsed"] == extraction["attachments"]["parsed"]
    quarantine = _partition("quarantine")
    assert sum(row["parent_doc_id"] is None for row in quarantine) == extraction["quarantined"]
    # The driver in a YARN container loaded the name model from the MLflow server.
    assert extraction["person_model"]["version"]
    assert any(e["type"] == "PERSON" for row in documents for e in row["entities"])


def test_release_ledger_and_scores_on_postgresql(yarn_demo):
    env, _, _ = yarn_demo
    status = json.loads(_lockgate(env, "status", "--json").stdout)
    release_id = status["test"]["release_id"]
    scores = _partition("scores/test/routing")
    assert len(scores) == _manifest("extraction")["parsed"]
    assert {row["release_id"] for row in scores} == {release_id}
    assert "intact" in _lockgate(env, "audit", "verify").stdout

    import psycopg2

    home = env["LOCKGATE_HOME"]
    password = open(f"{home}/cluster/secrets/postgres.password").read().strip()
    with psycopg2.connect(
        host="127.0.0.1", port=5433, dbname="lockgate_ledger", user="lockgate", password=password
    ) as conn:
        with conn.cursor() as cursor:
            cursor.execute("SELECT release_id FROM environment_pointers WHERE environment = 'test'")
            assert cursor.fetchone() == (release_id,)
    assert not os.path.exists(f"{home}/ledger.db"), "the yarn profile must not use SQLite"


def test_model_registered_by_a_driver_running_the_shipped_zip(yarn_demo):
    from mlflow import MlflowClient

    from lockgate.provenance import code_version

    client = MlflowClient(tracking_uri="http://127.0.0.1:5055")
    versions = client.search_model_versions("name='routing'")
    assert versions, "no routing model version in the MLflow server's registry"
    # In a YARN container the commit can only come from BUILD.json inside the job zip.
    assert {v.tags["code_version"] for v in versions} == {code_version()}
    assert all(v.source.startswith("mlflow-artifacts:") for v in versions)
    # The search's trials ran as Spark tasks in YARN containers; each is a child run.
    parent = versions[0].run_id
    experiment = client.get_run(parent).info.experiment_id
    trials = client.search_runs([experiment], f"tags.mlflow.parentRunId = '{parent}'")
    assert len(trials) == 3 and all("validation_macro_f1" in t.data.metrics for t in trials)


def test_a_model_trained_in_a_yarn_container_is_reproduced_byte_for_byte(yarn_demo):
    env, _, _ = yarn_demo
    for model in ("routing", "urgency"):
        report = json.loads(_lockgate(env, "reproduce", model, "1", "--json").stdout)
        assert report["snapshot_digest"] and report["match"] is True, report


def test_spark_submit_by_hand_in_cluster_mode(yarn_demo):
    env, _, started_ms = yarn_demo
    home = env["LOCKGATE_HOME"]
    submit_env = env | {
        "HADOOP_CONF_DIR": f"{home}/cluster/hadoop/conf",
        "SPARK_CONF_DIR": f"{home}/cluster/spark",
    }
    result = run(
        [
            str(BIN / "spark-submit"),
            "--master",
            "yarn",
            "--deploy-mode",
            "cluster",
            "jobs/build_training_set.py",
            "--run-date",
            RUN_DATE,
            "--model",
            "routing",
        ],
        submit_env,
        timeout=900,
    )
    assert "final status: SUCCEEDED" in result.stdout + result.stderr
    by_hand = [a for a in _apps(started_ms) if a["name"] == "build_training_set.py"]
    assert [(a["state"], a["finalStatus"]) for a in by_hand] == [("FINISHED", "SUCCEEDED")]


def test_failed_job_fails_its_task_with_yarn_diagnostics(yarn_demo):
    env, _, started_ms = yarn_demo
    empty_day = "2026-01-05"
    result = _lockgate(
        env,
        "airflow",
        "tasks",
        "test",
        "lockgate_pipeline",
        "extract_documents",
        empty_day,
        check=False,
    )
    log = result.stdout + result.stderr
    # `airflow tasks test` exits 0 whatever the task did; the task's state is in its log.
    assert "new_state=failed" in log
    assert "YARN diagnostics:" in log
    assert "final status FAILED" in log
    # The driver's own error, fetched from its container on the NodeManager.
    assert f"nothing landed in hdfs://127.0.0.1:8020{LAKE}/landing/{empty_day}" in log
    failed = [
        a
        for a in _apps(started_ms)
        if a["name"] == "lockgate-extract_documents" and a["finalStatus"] == "FAILED"
    ]
    assert failed, "the failing job left no FAILED application in YARN"


def test_killing_the_task_kills_the_yarn_application(yarn_demo):
    env, _, _ = yarn_demo
    before = int(time.time() * 1000)
    task = subprocess.Popen(
        [
            str(BIN / "lockgate"),
            "airflow",
            "tasks",
            "test",
            "lockgate_pipeline",
            "extract_documents",
            RUN_DATE,
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        app = None
        deadline = time.time() + 300
        while time.time() < deadline and app is None:
            running = [
                a
                for a in _apps(before, states="ACCEPTED,RUNNING")
                if a["name"] == "lockgate-extract_documents"
            ]
            app = running[0] if running else None
            time.sleep(2)
        assert app is not None, "the task never got a YARN application running"
        task.send_signal(signal.SIGTERM)  # what Airflow's supervisor sends a task it kills
        output, _ = task.communicate(timeout=300)
    finally:
        if task.poll() is None:
            task.kill()
    final = requests.get(f"{RM}/ws/v1/cluster/apps/{app['id']}", timeout=15).json()["app"]
    assert final["state"] == "KILLED", (final["state"], output[-3000:])
    # The previous partition survives an interrupted rewrite.
    assert "part-00000.parquet" in _listing(f"{LAKE}/extracted/documents/run_date={RUN_DATE}")


def test_the_bench_scores_on_yarn_executors_and_every_scorer_agrees(yarn_demo, tmp_path):
    """`lockgate bench` on the cluster profile: the scorers' Spark sides are one client-mode
    YARN application over HDFS, their executors' memory comes from Spark's own process-tree
    metrics, and the three scorers give the same scores. Timings are printed, not asserted."""
    env, _, started_ms = yarn_demo
    out = tmp_path / "bench"
    # Scoring alone: extraction benches one core with no Spark, on any profile (its local copy
    # of HDFS is the loop's, checked here); few rows, as YARN's cost per job is CI's here.
    result = _lockgate(
        env,
        "bench",
        "--only",
        "scoring",
        "--run-date",
        RUN_DATE,
        "--score-rows",
        "5000",
        "--repeats",
        "1",
        "--out",
        str(out),
    )
    figures = json.loads((out / "latest.json").read_text())
    assert figures["profile"] == "yarn" and "Spark master yarn" in result.stdout
    apps = [a for a in _apps(started_ms) if a["name"] == "lockgate-bench-scoring"]
    assert [(a["state"], a["finalStatus"]) for a in apps] == [("FINISHED", "SUCCEEDED")], apps
    assert {"routing", "urgency"} <= set(_listing("/lockgate/bench/scoring"))

    assert {c["model"] for c in figures["scoring"]} == {"routing", "urgency"}
    python_workers = []
    for case in figures["scoring"]:
        assert case["master"] == "yarn" and case["rows"] == 5000
        for name in ("lockgate", "mlflow_spark_udf"):
            peak = case["sides"][name]["peak"]
            # The profile's two executors, each with its JVM and the Python workers it forked.
            assert peak["executors"] == 2, (name, peak)
            assert peak["jvm_mb"] > 100, (name, peak)
            python_workers.append(peak["python_workers_mb"])
        assert case["sides"]["predict_proba_loop"]["threads"] == 1
        # The urgency release's compiled trees, loaded by Python workers in YARN containers
        # from the packed environment, score as its skops file does: `lockgate` scores from the
        # library, `lockgate_skops` from the skops model, and the two agree on every row.
        compiled = case["model"] == "urgency"
        assert (case["compiled"] is not None) == compiled
        assert set(case["sides"]) == {"lockgate", "mlflow_spark_udf", "predict_proba_loop"} | (
            {"lockgate_skops"} if compiled else set()
        )
        for side in case["sides"].values():
            assert side["rows_per_second"] > 0
        assert case["spark_floor"]["rows_per_second"] > 0
        assert_scorers_agree(case, 5000)
    # The only run of the scorers' bench in the suite (the local profile's differs by its
    # master alone): its targets are in the report.
    assert "scoring routing: lockgate / mlflow spark_udf" in {
        t["target"] for t in figures["targets"]
    }
    # The executors poll their process trees every 500 ms, and at 5,000 rows a warm worker's
    # task can end between two polls (urgency's took milliseconds): such a side shows "not
    # observed", never a zero; the sides that were polled saw the workers.
    observed = [mb for mb in python_workers if mb is not None]
    assert observed and all(mb > 50 for mb in observed), python_workers
