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

from lockgate.extraction import ENTITY_TYPES, reasons

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
    top = extracted[extracted["parent_doc_id"].isna()]
    assert len(top) == m["parsed"] and extracted["doc_id"].is_unique
    children = extracted[extracted["parent_doc_id"].notna()]
    assert len(children) == m["attachments"]["parsed"] > 0
    assert set(children["parent_doc_id"]) <= set(top["doc_id"])
    top_quarantine = quarantine[quarantine["parent_doc_id"].isna()]
    assert len(top_quarantine) == m["quarantined"]
    assert set(quarantine["quarantine_reason"]) <= set(reasons.ALL)
    truth = [
        json.loads(x)
        for x in (_lake(home) / "labels" / RUN_DATE / "ground_truth.jsonl").read_text().splitlines()
    ]
    assert set(top["doc_id"]) == {t["doc_id"] for t in truth if not t["broken_reason"]}
    expected = {t["doc_id"]: t["broken_reason"] for t in truth if t["broken_reason"]}
    pairs = zip(top_quarantine["doc_id"], top_quarantine["quarantine_reason"], strict=True)
    assert dict(pairs) == expected


def test_documents_carry_language_names_and_the_person_model_version(demo):
    home, _, _ = demo
    m = _manifest(home, "extraction")
    assert m["person_model"]["name"] == "lockgate-person-ner" and m["person_model"]["version"]
    extracted = _rows(_lake(home) / "extracted" / "documents" / f"run_date={RUN_DATE}")
    top = extracted[extracted["parent_doc_id"].isna()]
    assert set(top["language"]) == {"en", "fr", "nl", "de"}
    assert top["has_signature"].mean() > 0.7
    types = {e["type"] for entities in top["entities"] for e in entities}
    assert set(ENTITY_TYPES) <= types
    for text, entities in zip(top["masked_text"], top["entities"], strict=True):
        for e in entities:
            if e["type"] in ("IBAN", "EMAIL"):
                assert e["value"] not in text


def test_eval_extraction_and_bench_print_their_figures(demo, tmp_path):
    _, env, _ = demo
    figures = tmp_path / "eval.json"
    result = _run([str(BIN / "lockgate"), "eval-extraction", "--documents", "400",
                   "--workers", "2", "--json", str(figures)], env)  # fmt: skip
    assert "extraction vs ground truth" in result.stdout and "PERSON" in result.stdout
    report = json.loads(figures.read_text())
    assert set(report["fields"]) == set(ENTITY_TYPES)
    assert report["targets_missed"] == []
    assert report["quarantine"]["expected"] > 0
    assert report["quarantine"]["correct"] == report["quarantine"]["expected"]
    assert report["person_model"]["trained"] is False  # the pipeline's registered model is reused

    bench = tmp_path / "bench.json"
    result = _run([str(BIN / "lockgate"), "bench-extract", "--documents", "80",
                   "--json", str(bench)], env)  # fmt: skip
    assert "docs/s per core" in result.stdout and "presidio" in result.stdout
    figures = json.loads(bench.read_text())
    for side in ("lockgate", "presidio"):
        assert figures[side]["docs_per_second_per_core"] > 0
    for kind, mine in figures["lockgate"]["fields"].items():
        assert mine["f1"] >= figures["presidio"]["fields"][kind]["f1"], kind


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


def test_quarantine_report_lists_every_quarantined_file(demo):
    _, env, _ = demo
    report = json.loads(
        _run([str(BIN / "lockgate"), "quarantine", "--run-date", RUN_DATE, "--json"], env).stdout
    )
    top = [f for f in report["files"] if f["parent_doc_id"] is None]
    assert len(top) == report["manifest"]["quarantined"] > 0
    assert all(f["quarantine_reason"] in reasons.ALL and f["quarantine_detail"] for f in top)
    table = _run([str(BIN / "lockgate"), "quarantine", "--run-date", RUN_DATE], env).stdout
    assert f"quarantine {RUN_DATE}" in table and top[0]["quarantine_reason"] in table


def test_extraction_job_survives_a_hostile_corpus(demo):
    """A day where 40% of the files are broken or hostile: the job succeeds and accounts for all."""
    home, env, _ = demo
    day, documents = "2026-11-25", 150
    _run([str(BIN / "lockgate"), "corpus", "--run-date", day, "--documents", str(documents),
          "--broken-share", "0.4", "--seed", "5"], env)  # fmt: skip
    submit = [str(BIN / "spark-submit"), "--master", "local[2]"]
    _run(submit + ["jobs/extract_documents.py", "--run-date", day], env)
    m = json.loads((_lake(home) / "manifests" / "extraction" / f"run_date={day}.json").read_text())
    assert m["received"] == documents
    assert m["parsed"] + m["duplicates"] + m["quarantined"] == documents
    truth = [
        json.loads(x)
        for x in (_lake(home) / "labels" / day / "ground_truth.jsonl").read_text().splitlines()
    ]
    assert len({t["hostile_kind"] for t in truth if t["hostile_kind"]}) >= 7
    quarantine = _rows(_lake(home) / "quarantine" / f"run_date={day}")
    top = quarantine[quarantine["parent_doc_id"].isna()]
    got = dict(zip(top["source_file"], top["quarantine_reason"], strict=True))
    assert got == {t["file"]: t["broken_reason"] for t in truth if t["broken_reason"]}
