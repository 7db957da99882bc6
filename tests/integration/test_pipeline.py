"""The demo through real Airflow (dags test on a migrated SQLite metadata DB), Spark, GX and MLflow.

One module-scoped demo run in a private LOCKGATE_HOME; the tests then check what it left:
accounting, registry, ledger, scores, audit chain, a byte-identical rerun, and jobs by hand.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from support import run as _run

pytestmark = pytest.mark.integration

RUN_DATE = "2026-11-20"
DOCUMENTS = 300
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    home = tmp_path_factory.mktemp("lockgate-home")
    env = os.environ | {
        "LOCKGATE_HOME": str(home),
        "LOCKGATE_PROFILE": "local",
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    }
    result = _run(
        [str(BIN / "lockgate"), "demo", "--run-date", RUN_DATE, "--documents", str(DOCUMENTS)], env
    )
    return home, env, result.stdout


def _lake(home: Path) -> Path:
    return home / "lake"


def _manifest(home: Path, stage: str) -> dict:
    return json.loads((_lake(home) / "manifests" / stage / f"run_date={RUN_DATE}.json").read_text())


def _partition_digests(path: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.glob("part-*"))}


def _rows(path: Path):
    return pq.read_table(path).to_pandas()


def test_demo_summary_reports_every_stage(demo):
    _, _, stdout = demo
    for stage in (
        "documents",
        "training set",
        "model",
        "release",
        "scores",
        "audit chain",
        "Airflow UI",
    ):
        assert f"  {stage}" in stdout
    assert "gate passed" in stdout and "audit chain  intact" in stdout


def test_nothing_is_lost_between_landing_and_outputs(demo):
    home, _, _ = demo
    m = _manifest(home, "extraction")
    assert m["received"] == DOCUMENTS
    assert m["parsed"] + m["duplicates"] + m["quarantined"] == DOCUMENTS
    assert m["quarantined"] > 0  # the generator plants broken files
    extracted = _rows(_lake(home) / "extracted" / "documents" / f"run_date={RUN_DATE}")
    quarantine = _rows(_lake(home) / "quarantine" / f"run_date={RUN_DATE}")
    assert len(extracted) == m["parsed"] and extracted["doc_id"].is_unique
    assert len(quarantine) == m["quarantined"]
    assert set(quarantine["quarantine_reason"]) <= {
        "empty",
        "corrupt_pdf",
        "malformed_mime",
        "binary_content",
    }
    truth = [
        json.loads(x)
        for x in (_lake(home) / "labels" / RUN_DATE / "ground_truth.jsonl").read_text().splitlines()
    ]
    assert set(extracted["doc_id"]) == {t["doc_id"] for t in truth if not t["broken_reason"]}


def test_validation_results_are_written_for_each_suite(demo):
    home, _, _ = demo
    for suite, scope in [("extraction_run", "all"), ("extracted_documents", "all"),
                         ("training_set", "routing"), ("scores", "test/routing")]:  # fmt: skip
        result = json.loads(
            (
                _lake(home) / "validation" / suite / scope / f"run_date={RUN_DATE}" / "result.json"
            ).read_text()
        )
        assert result["summary"]["success"] is True, suite
        assert result["gx_result"]["statistics"]["evaluated_expectations"] > 0


def test_model_version_is_registered_with_lineage(demo):
    home, env, _ = demo
    code = (
        "import json, mlflow; from mlflow import MlflowClient; "
        f"c = MlflowClient('sqlite:///{home}/mlflow/mlflow.db'); "
        "print(json.dumps([dict(v.tags, version=v.version) for v in c.search_model_versions(\"name='routing'\")]))"
    )
    versions = json.loads(_run([sys.executable, "-c", code], env).stdout.strip().splitlines()[-1])
    assert len(versions) == 1
    tags = versions[0]
    trained = _manifest(home, "model/routing")
    assert tags["artifact_sha256"] == trained["artifact_sha256"]
    assert tags["snapshot_digest"] == _manifest(home, "training_set/routing")["snapshot"]
    assert tags["airflow_run_id"].startswith("manual__")
    assert len(tags["code_version"].removesuffix("-dirty")) == 40
    assert tags["gate_passed"] == "True"


def test_release_in_test_made_the_scores(demo):
    home, env, _ = demo
    status = json.loads(_run([str(BIN / "lockgate"), "status", "--json"], env).stdout)
    test = status["test"]
    assert status["prod"] is None and status["dev"] is None
    assert test["release_id"].startswith("rel-") and test["change"]["kind"] == "normal"
    assert test["models"][0]["version"] == _manifest(home, "model/routing")["version"]
    assert test["deployed_by"].startswith("airflow:lockgate_pipeline:")
    scores = _rows(_lake(home) / "scores" / "test" / "routing" / f"run_date={RUN_DATE}")
    assert set(scores["release_id"]) == {test["release_id"]}
    assert len(scores) == _manifest(home, "extraction")["parsed"] and scores["doc_id"].is_unique
    assert set(scores["decision"]) <= {"auto_route", "manual_review"}


def test_audit_verify_passes_and_fails_after_a_hand_edit(demo, tmp_path):
    home, env, _ = demo
    ok = _run([str(BIN / "lockgate"), "audit", "verify"], env)
    assert "intact" in ok.stdout
    db = home / "ledger.db"
    backup = tmp_path / "ledger.db"
    shutil.copy(db, backup)
    try:
        with sqlite3.connect(db) as conn:
            conn.execute(
                'UPDATE audit_log SET payload = \'{"release_id": "rel-forged"}\' WHERE seq = 2'
            )
        broken = _run([str(BIN / "lockgate"), "audit", "verify"], env, check=False)
        assert broken.returncode == 1
        assert "BROKEN at entry 2" in broken.stderr
    finally:
        shutil.copy(backup, db)
    assert _run([str(BIN / "lockgate"), "audit", "verify"], env).returncode == 0


def test_rerun_of_the_same_run_date_gives_the_same_partitions(demo):
    home, env, _ = demo
    extracted = _lake(home) / "extracted" / "documents" / f"run_date={RUN_DATE}"
    scores = _lake(home) / "scores" / "test" / "routing" / f"run_date={RUN_DATE}"
    # Same rows in the same order, in the same files. (Not yet the same bytes: parquet-mr
    # lists each column's encodings from a HashSet, so footers differ between JVMs.)
    before = (_rows(extracted), _rows(scores), sorted(_partition_digests(extracted)))
    release_before = _manifest(home, "scores/test/routing")["release_id"]
    assert len(before[0]) and len(before[1])
    _run(
        [str(BIN / "lockgate"), "demo", "--run-date", RUN_DATE, "--documents", str(DOCUMENTS)], env
    )
    assert _rows(extracted).equals(before[0])
    assert _rows(scores).equals(before[1])
    assert sorted(_partition_digests(extracted)) == before[2] == ["part-00000.parquet"]
    assert _manifest(home, "scores/test/routing")["release_id"] == release_before
    assert (
        _manifest(home, "model/routing")["version"] == "1"
    )  # same bytes, same snapshot: no new version


def test_jobs_run_by_hand_with_spark_submit(demo):
    home, env, _ = demo
    scores = _lake(home) / "scores" / "test" / "routing" / f"run_date={RUN_DATE}"
    before = _rows(scores)
    submit = [str(BIN / "spark-submit"), "--master", "local[2]"]
    _run(submit + ["jobs/score_documents.py", "--run-date", RUN_DATE, "--environment", "test"], env)
    assert _rows(scores).equals(before)
    refused = _run(submit + ["jobs/score_documents.py", "--run-date", RUN_DATE, "--environment", "prod"],
                   env, check=False)  # fmt: skip
    assert refused.returncode != 0
    assert "no release is deployed in prod" in refused.stdout + refused.stderr
