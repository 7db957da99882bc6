"""The demo through real Airflow (dags test on a migrated SQLite metadata DB), Spark, GX and MLflow.

The session's demo home (tests/integration/conftest.py); the tests check what the demo left there
(accounting, registry, ledger, scores, audit chain), retrain on it, then run the demo for a small
day after it with a plug-in model installed, rerun that day and run its jobs by hand.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from support import (
    DISPUTES,
    PAYMENTS,
    RISK,
    STORY_DATE,
    STORY_DOCUMENTS,
    deliver_payment_history,
    install_plugins,
)
from support import run as _run

from lockgate.extraction import ENTITY_TYPES, reasons

pytestmark = pytest.mark.integration

RUN_DATE = STORY_DATE
DOCUMENTS = STORY_DOCUMENTS
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def demo(story_home, story_output):
    return Path(story_home["LOCKGATE_HOME"]), story_home, story_output


def _lake(home: Path) -> Path:
    return home / "lake"


def _manifest(home: Path, stage: str, day: str = RUN_DATE) -> dict:
    return json.loads((_lake(home) / "manifests" / stage / f"run_date={day}.json").read_text())


def _partition_digests(path: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.glob("part-*"))}


def _rows(path: Path):
    return pq.read_table(path).to_pandas()


def test_demo_summary_reports_every_stage(demo):
    # The pipeline run's summary is the last thing the demo prints, after the story.
    story, stdout = demo[2].rsplit("\nlockgate demo, run date", 1)
    assert "== change management" in story and "== change management" not in stdout
    for stage in (
        "documents",
        "model        routing v1",
        "model        urgency v1",
        "release",
        "scores       routing",
        "scores       urgency",
        "audit chain",
        "Airflow UI",
    ):
        assert f"  {stage}" in stdout, stage
    assert stdout.count("gate passed") == 2 and "audit chain  intact" in stdout


def test_the_demo_prints_a_screen_and_logs_every_tool_in_its_file(demo, story_errors):
    """`make demo`'s screen: one line per stage, the story, the summary last (issue 27: at most
    80 lines when nothing fails); Airflow's, Spark's and the libraries' output in the log."""
    home, _, stdout = demo
    screen = stdout.splitlines() + story_errors.splitlines()
    assert len(screen) <= 80, f"{len(screen)} lines:\n" + "\n".join(screen)
    assert screen[-1].startswith("every tool's output: ")
    log = Path(screen[-1].removeprefix("every tool's output: "))
    assert log.parent == home / "logs" and log.name.startswith(f"demo-{RUN_DATE}-")
    text = log.read_text()
    for task in ("extract_documents", "routing.train_model", "release_to_test", "score_documents"):
        assert f"[DAG TEST] starting task_id={task}" in text, task
    assert "WARN" in text or "INFO" in text  # the tools' own logging went there, not to the screen
    stages = [line for line in screen if line.rstrip().endswith("  done")]
    assert any(line.lstrip().startswith(f"lockgate_pipeline {RUN_DATE}") for line in stages)
    assert all("FAILED" not in line for line in screen)


def test_demo_tells_the_change_management_story_and_history_retells_it(demo):
    home, env, stdout = demo
    story = stdout.split("== change management")[1]
    lines = [
        "scores 2026-11-21, 2026-11-22 in test (lockgate_scoring DAG, a run a day)",
        "  lockgate_scoring 2026-11-21                  4 success",
        "  lockgate_scoring 2026-11-22                  4 success",
        "(normal) opened by demo:lee.data-scientist",
        "3 scoring runs passed",
        "approved as model-owner by demo:ana.model-owner -> open",
        "approved as operations by demo:olu.operations -> approved",
        "deploy by demo:mia.operations: deployed:",
        "(emergency) approved by operations alone",
        "deploy by demo:mia.operations: rolled_back: verification failed: DigestMismatch: urgency v2",
        "(rollback) puts test back on",
    ]
    for line in lines:
        assert line in story, line
    # The soak days ran in one process, as two DAG runs each with its tasks' logs kept.
    with sqlite3.connect(home / "airflow" / "airflow.db") as db:
        soak = db.execute(
            "SELECT run_id, state FROM dag_run WHERE dag_id = 'lockgate_scoring' "
            "ORDER BY logical_date"
        ).fetchall()
    assert [state for _, state in soak[:2]] == ["success", "success"], soak
    for run_id, _ in soak[:2]:
        logs = home / "airflow" / "logs" / "dag_id=lockgate_scoring" / f"run_id={run_id}"
        assert (logs / "task_id=score_documents" / "attempt=1.log").is_file(), run_id
    lockgate = str(BIN / "lockgate")
    prod = json.loads(_run([lockgate, "history", "--env", "prod", "--json"], env).stdout)
    moves = [(m["action"], m["release_id"]) for m in prod["timeline"]]
    good, bad = moves[0][1], moves[1][1]
    assert moves == [("deploy", good), ("deploy", bad), ("auto_rollback", good)] and good != bad
    assert "does not match the release's" in prod["timeline"][2]["reason"]
    deployed = prod["deployed"]
    assert deployed["release_id"] == good and deployed["change"]["kind"] == "normal"
    assert {(a["role"], a["approver"]) for a in deployed["approvals"]} == {
        ("model-owner", "demo:ana.model-owner"),
        ("risk", "demo:raj.risk"),
        ("operations", "demo:olu.operations"),
    }
    # Any moment: before prod had anything, and while it ran the good release.
    first_at = datetime.fromisoformat(prod["timeline"][0]["at"])
    before = json.loads(
        _run(
            [
                lockgate,
                "history",
                "--env",
                "prod",
                "--at",
                (first_at - timedelta(minutes=1)).isoformat(),
                "--json",
            ],
            env,
        ).stdout
    )
    assert before["deployed"] is None and before["timeline"] == []
    text = _run(
        [
            lockgate,
            "history",
            "--env",
            "prod",
            "--at",
            (first_at + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%MZ"),
        ],
        env,
    ).stdout
    assert f"prod at {(first_at + timedelta(minutes=1)).strftime('%Y-%m-%dT%H:%M')}" in text
    assert f": {good} (routing v1, urgency v1)" in text and "deployed" in text
    assert "approved by demo:raj.risk as risk" in text and "auto_rollback" not in text
    # The ledger and the registry agree; the chain is intact.
    status = json.loads(_run([lockgate, "status", "--json"], env).stdout)
    assert status["prod"]["alias_drift"] == [] and status["test"]["alias_drift"] == []
    aliases = _mlflow(
        home,
        env,
        "{m: {a: str(v) for a, v in c.get_registered_model(m).aliases"
        ".items()} for m in ('routing', 'urgency')}",
    )
    assert aliases == {"routing": {"test": "1", "prod": "1"}, "urgency": {"test": "1", "prod": "1"}}
    assert "intact" in _run([lockgate, "audit", "verify"], env).stdout


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
    # An attachment's parent is the document that carried it: a received one, or a forwarded
    # message inside one (whose own parent is then received).
    assert set(children["parent_doc_id"]) <= set(extracted["doc_id"])
    parent_of = dict(zip(extracted["doc_id"], extracted["parent_doc_id"], strict=True))
    received = set(top["doc_id"])
    for doc_id in children["doc_id"]:
        while not pd.isna(parent_of[doc_id]):
            doc_id = parent_of[doc_id]
        assert doc_id in received
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
    result = _run(
        [
            str(BIN / "lockgate"),
            "eval-extraction",
            "--documents",
            "400",
            "--corpus",
            "generated",
            "--workers",
            "2",
            "--json",
            str(figures),
        ],
        env,
    )
    assert "extraction vs ground truth" in result.stdout and "PERSON" in result.stdout
    report = json.loads(figures.read_text())
    assert set(report["fields"]) == set(ENTITY_TYPES)
    assert report["targets_missed"] == []
    assert report["quarantine"]["expected"] > 0
    assert report["quarantine"]["correct"] == report["quarantine"]["expected"]
    assert report["person_model"]["trained"] is False  # the pipeline's registered model is reused

    bench = tmp_path / "bench.json"
    result = _run(
        [str(BIN / "lockgate"), "bench-extract", "--documents", "80", "--json", str(bench)], env
    )
    assert "docs/s per core" in result.stdout and "presidio" in result.stdout
    figures = json.loads(bench.read_text())
    for side in ("lockgate", "presidio"):
        assert figures[side]["docs_per_second_per_core"] > 0
    for kind, mine in figures["lockgate"]["fields"].items():
        assert mine["f1"] >= figures["presidio"]["fields"][kind]["f1"], kind


def test_validation_results_are_written_for_each_suite(demo):
    home, _, _ = demo
    for suite, scope in [
        ("extraction_run", "all"),
        ("extracted_documents", "all"),
        ("training_set", "routing"),
        ("training_set.routing", "routing"),
        ("training_set", "urgency"),
        ("training_set.urgency", "urgency"),
        ("scores", "test/routing"),
        ("scores", "test/urgency"),
    ]:
        result = json.loads(
            (
                _lake(home) / "validation" / suite / scope / f"run_date={RUN_DATE}" / "result.json"
            ).read_text()
        )
        assert result["summary"]["success"] is True, suite
        assert result["gx_result"]["statistics"]["evaluated_expectations"] > 0


def _mlflow(home: Path, env, expression: str):
    """Evaluate `expression` with `c`, an MlflowClient on the demo's registry, in a subprocess."""
    code = (
        "import json; from mlflow import MlflowClient; "
        f"c = MlflowClient('sqlite:///{home}/mlflow/mlflow.db'); print(json.dumps({expression}))"
    )
    return json.loads(_run([sys.executable, "-c", code], env).stdout.strip().splitlines()[-1])


def _registered(home: Path, env, model: str) -> list[tuple[str, str]]:
    """(version, gate_passed) of each version of `model` in the home's MLflow registry."""
    versions = _mlflow(
        home,
        env,
        f"[dict(v.tags, version=v.version) for v in c.search_model_versions(\"name='{model}'\")]",
    )
    return [(str(v["version"]), v["gate_passed"]) for v in versions]


@pytest.mark.parametrize("model", ["routing", "urgency"])
def test_model_version_is_registered_with_lineage_trials_and_card(demo, model):
    home, env, _ = demo
    versions = _mlflow(
        home,
        env,
        f"[dict(v.tags, version=v.version, run_id=v.run_id) "
        f"for v in c.search_model_versions(\"name='{model}'\")]",
    )
    # urgency has a v2 too: the demo's story trained it for its bad release.
    assert sorted(str(v["version"]) for v in versions) == (
        ["1", "2"] if model == "urgency" else ["1"]
    )
    tags = next(v for v in versions if str(v["version"]) == "1")
    status = json.loads(_run([str(BIN / "lockgate"), "status", "--json"], env).stdout)
    deployed = {m["name"]: m["artifact_sha256"] for m in status["prod"]["models"]}
    assert tags["artifact_sha256"] == deployed[model]
    assert tags["snapshot_digest"] == _manifest(home, f"training_set/{model}")["snapshot"]
    assert tags["airflow_run_id"].startswith("manual__")
    assert len(tags["code_version"].removesuffix("-dirty")) == 40
    assert tags["gate_passed"] == "True" and tags["seed"] == "20261120"
    # Every trial of the search is a child run of the training run, with its params and score.
    trials = _mlflow(
        home,
        env,
        "[dict(r.data.params, **r.data.metrics) for r in c.search_runs("
        f"[c.get_run('{tags['run_id']}').info.experiment_id], "
        f"\"tags.mlflow.parentRunId = '{tags['run_id']}'\")]",
    )
    from lockgate.models import get_model
    from lockgate.training.search import grid

    spec = get_model(model)
    assert len(trials) == len(grid(spec.params, spec.search_space, 8)) > 1
    assert all(0 <= t["validation_macro_f1"] <= 1 for t in trials)
    card = _run([str(BIN / "lockgate"), "model-card", model, "1"], env).stdout
    for section in (
        "# Model card",
        "## Data",
        "## Metrics on the test split",
        "## Gate (test): PASSED",
        "## Limits",
        tags["snapshot_digest"],
        tags["artifact_sha256"],
    ):
        assert section in card, section


def test_release_in_test_made_the_scores(demo):
    home, env, _ = demo
    status = json.loads(_run([str(BIN / "lockgate"), "status", "--json"], env).stdout)
    test = status["test"]
    assert status["dev"] is None
    # The story took this release to prod, and a rollback change brought test back to it.
    assert test["release_id"].startswith("rel-") and test["change"]["kind"] == "rollback"
    assert status["prod"]["release_id"] == test["release_id"]
    assert {m["name"]: m["version"] for m in test["models"]} == {"routing": "1", "urgency": "1"}
    first = json.loads(_run([str(BIN / "lockgate"), "change", "show", "1", "--json"], env).stdout)
    assert first["change"]["author"].startswith("airflow:lockgate_pipeline:")
    assert first["change"]["release_id"] == test["release_id"]
    for model, classes in (("routing", 6), ("urgency", 2)):
        scores = _rows(_lake(home) / "scores" / "test" / model / f"run_date={RUN_DATE}")
        assert set(scores["release_id"]) == {test["release_id"]}
        assert len(scores) == _manifest(home, "extraction")["parsed"] and scores["doc_id"].is_unique
        assert set(scores["decision"]) == {"auto_route", "manual_review"}
        assert scores["prediction"].nunique() == classes
    # The urgency model's trees scored from the library its release compiled and compared on
    # its canary and test rows; routing (a linear model) from its skops file.
    compiled = {m["name"]: m["compiled"] for m in first["models"]}
    assert compiled["routing"] is None
    assert compiled["urgency"]["rows_compared"] > 25 and compiled["urgency"]["max_abs_diff"] <= 1e-9
    shown = _run([str(BIN / "lockgate"), "change", "show", "1"], env).stdout
    assert f"scores from: compiled trees {compiled['urgency']['sha256'][:16]}" in shown
    assert "scores from: the skops model" in shown
    # The change request carries each model's gate checks as its evidence.
    evidence = first
    checks = {m["name"]: {c["metric"] for c in m["gate"]["checks"]} for m in evidence["models"]}
    assert {"macro_f1", "manual_review_rate", "precision_lower_bound[payments]"} <= checks[
        "routing"
    ]
    assert {"precision_lower_bound[urgent]", "precision_lower_bound[routine]"} <= checks["urgency"]
    # ... and, per class, whether it is auto-routed and the test rows behind its bound.
    for model in evidence["models"]:
        for cls, routing in model["gate"]["classes"].items():
            assert routing["routing"] == "auto-routed", (model["name"], cls, routing)
            assert routing["auto_decided"] >= 73 and routing["auto_lower_bound"] >= 0.95


@contextlib.contextmanager
def _ledger_restored_after(home: Path, tmp_path: Path):
    """The ledger and its published head put back as they were (both, or the restored ledger
    would rightly look truncated against a head written in between)."""
    saved = [
        (home / "ledger.db", tmp_path / "ledger.db"),
        (home / "audit" / "head.json", tmp_path / "head.json"),
    ]
    for live, copy in saved:
        shutil.copy(live, copy)
    try:
        yield
    finally:
        for live, copy in saved:
            shutil.copy(copy, live)


def test_audit_verify_passes_and_fails_after_a_hand_edit(demo, tmp_path):
    home, env, _ = demo
    ok = _run([str(BIN / "lockgate"), "audit", "verify"], env)
    assert "intact" in ok.stdout and "signed by key" in ok.stdout and "agree" in ok.stdout
    db = home / "ledger.db"
    forge = 'UPDATE audit_log SET payload = \'{"release_id": "rel-forged"}\' WHERE seq = 2'
    with _ledger_restored_after(home, tmp_path):
        with sqlite3.connect(db) as conn, pytest.raises(sqlite3.IntegrityError, match="append"):
            conn.execute(forge)
        with sqlite3.connect(db) as conn:  # as the file's owner: drop the trigger, then edit
            conn.execute("DROP TRIGGER audit_log_no_update")
            conn.execute(forge)
            conn.execute("UPDATE environment_pointers SET deployed_by = 'os:mallory'")
        broken = _run([str(BIN / "lockgate"), "audit", "verify"], env, check=False)
        assert broken.returncode == 1
        assert "BROKEN at entry 2" in broken.stderr
        assert "ledger disagrees with its audit log: environment_pointers" in broken.stderr
    assert _run([str(BIN / "lockgate"), "audit", "verify"], env).returncode == 0


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
    _run(
        [
            str(BIN / "lockgate"),
            "corpus",
            "--run-date",
            day,
            "--documents",
            str(documents),
            "--broken-share",
            "0.4",
            "--seed",
            "5",
        ],
        env,
    )
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


def test_retraining_from_the_same_snapshot_gives_the_same_digest_and_reproduce_confirms_it(demo):
    home, env, _ = demo
    trained = _manifest(home, "model/routing")
    submit = [str(BIN / "spark-submit"), "--master", "local[2]"]
    again = _run(
        submit + ["jobs/train_model.py", "--run-date", RUN_DATE, "--model", "routing"], env
    )
    assert f"registered routing v1 sha256={trained['artifact_sha256']}" in again.stdout
    reports = {}
    for model in ("routing", "urgency"):  # v1 of both: the ones the DAG trained
        result = _run([str(BIN / "lockgate"), "reproduce", model, "1", "--json"], env)
        reports[model] = report = json.loads(result.stdout)
        assert report["match"] is True, report
        assert report["reproduced_sha256"] == report["recorded_sha256"]
        assert report["snapshot_digest"] == _manifest(home, f"training_set/{model}")["snapshot"]
    routing = reports["routing"]
    assert routing["reproduced_sha256"] == trained["artifact_sha256"]
    assert routing["params"] == trained["params"]


def test_a_worse_candidate_is_refused_by_the_champion_comparison(demo):
    home, env, _ = demo
    # prod runs routing v1 since the demo's story (normal change, three approvals).
    submit = [str(BIN / "spark-submit"), "--master", "local[2]"]
    # The day's urgency manifest names the story's second version, whose file the story's
    # incident overwrote: training urgency from the day's snapshot again gives v1's bytes and
    # points the manifest back at v1, so the release step below meets routing's refusal alone.
    again = _run(
        submit + ["jobs/train_model.py", "--run-date", RUN_DATE, "--model", "urgency"], env
    )
    assert "registered urgency v1 " in again.stdout, again.stdout[-2000:]
    # Strong regularisation: on 10,000 documents C=0.05 is within the margin, C=0.025 is not
    # (macro-F1 0.94 against 0.995; payments also falls below its bound).
    worse = _run(
        submit
        + [
            "jobs/train_model.py",
            "--run-date",
            RUN_DATE,
            "--model",
            "routing",
            "--params",
            '{"C": 0.025}',
        ],
        env,
    )
    assert "registered routing v2" in worse.stdout and "gate=refused" in worse.stdout
    assert "champion comparison: macro_f1=" in worse.stdout
    assert "worse than production routing v1 (prod)" in worse.stdout
    assert "more than the margin 0.02" in worse.stdout
    gate = _manifest(home, "model/routing")["gate"]
    assert not gate["passed"] and gate["champion"]["version"] == "routing v1 (prod)"

    # The release step keeps what is deployed and writes the refusal, with its checks, to the audit log.
    status_before = json.loads(_run([str(BIN / "lockgate"), "status", "--json"], env).stdout)[
        "test"
    ]
    task = _run(
        [
            str(BIN / "lockgate"),
            "airflow",
            "tasks",
            "test",
            "lockgate_pipeline",
            "release_to_test",
            RUN_DATE,
        ],
        env,
    )
    assert "new_state=success" in task.stdout + task.stderr
    status = json.loads(_run([str(BIN / "lockgate"), "status", "--json"], env).stdout)["test"]
    assert status["release_id"] == status_before["release_id"]
    entries = (
        sqlite3.connect(home / "ledger.db")
        .execute("SELECT subject, payload FROM audit_log WHERE action = 'release.refused_by_gate'")
        .fetchall()
    )
    assert [subject for subject, _ in entries] == ["routing"]
    assert "champion comparison: macro_f1=" in json.loads(entries[0][1])["detail"]


TOY_MODEL = """
from lockgate.models import Gate, ModelSpec


def featurizer():
    from sklearn.compose import ColumnTransformer
    return ColumnTransformer([("amount", "passthrough", ["max_amount"])])


def estimator(params, seed):
    from sklearn.tree import DecisionTreeClassifier
    return DecisionTreeClassifier(random_state=seed, **params)


SPEC = ModelSpec(
    name="toy_urgency", description="Urgency from the largest amount alone (a toy plug-in).",
    label="urgency", inputs=("max_amount",), featurizer=featurizer, estimator=estimator,
    params={"max_depth": 1}, search_space={"max_depth": (1, 2)},
    gate=Gate(min_precision=0.5, max_manual_review_rate=1.0, min_macro_f1=0.3),
)
"""


PLUGIN_DAY, PLUGIN_DOCUMENTS = "2026-11-21", 120
PLUGIN_DEMO = ["demo", "--run-date", PLUGIN_DAY, "--documents", str(PLUGIN_DOCUMENTS), "--no-story"]


PLUGIN_HISTORY_DAYS = 21
DATASETS = ("payments", "disputes")  # the team's, PAYMENTS and DISPUTES


@pytest.fixture(scope="module")
def plugin_day(demo, tmp_path_factory):
    """A team's package installed beside lockgate, by entry points and nothing else: a model on
    the documents, and two datasets (payments, their disputes) with a model on them; the
    payment hub's initial load of both delivered; then `lockgate demo` for a day of 120
    documents after the story's: the day the rerun and the spark-submit tests below work on,
    small so that they cost seconds, not minutes."""
    home, env, _ = demo
    plugin_env = install_plugins(
        tmp_path_factory.mktemp("site"),
        {
            "toy_urgency": TOY_MODEL,
            "payments": PAYMENTS,
            "disputes": DISPUTES,
            "payment_risk": RISK,
        },
        env,
        groups={"payments": "lockgate.datasets", "disputes": "lockgate.datasets"},
    )
    delivered = deliver_payment_history(
        _lake(home) / "landing" / "datasets", PLUGIN_DAY, PLUGIN_HISTORY_DAYS
    )
    result = _run([str(BIN / "lockgate"), *PLUGIN_DEMO], plugin_env)
    return home, plugin_env, result.stdout, delivered


def test_a_plugin_model_in_a_temporary_package_is_trained_gated_and_registered(plugin_day):
    home, plugin_env, stdout, _ = plugin_day
    day = PLUGIN_DAY
    assert "model        toy_urgency v1" in stdout
    manifest = json.loads(
        (_lake(home) / "manifests" / "model" / "toy_urgency" / f"run_date={day}.json").read_text()
    )
    assert manifest["gate"]["passed"] and {c["metric"] for c in manifest["gate"]["checks"]} >= {
        "macro_f1",
        "manual_review_rate",
    }
    assert _registered(home, plugin_env, "toy_urgency") == [("1", "True")]
    snapshot = json.loads(
        (
            _lake(home) / "manifests" / "training_set" / "toy_urgency" / f"run_date={day}.json"
        ).read_text()
    )
    assert snapshot["columns"] == ["doc_id", "run_date", "max_amount", "label"]
    assert (_lake(home) / "training" / "toy_urgency" / f"snapshot={snapshot['snapshot']}").is_dir()
    assert (
        _lake(home) / "validation" / "training_set" / "toy_urgency" / f"run_date={day}"
    ).is_dir()
    test = json.loads(_run([str(BIN / "lockgate"), "status", "--json"], plugin_env).stdout)["test"]
    assert "toy_urgency" in {m["name"] for m in test["models"]}
    scores = _rows(_lake(home) / "scores" / "test" / "toy_urgency" / f"run_date={day}")
    assert set(scores["prediction"]) <= {"routine", "urgent"} and len(scores) > 0


def test_a_plugin_dataset_and_its_model_go_through_the_dags_with_no_change_to_lockgate(plugin_day):
    """The team's datasets and their model, declared by entry points alone: the pipeline DAG
    ingested and validated both deliveries, built the snapshot point in time, trained, gated at
    the alert capacity, registered, released to test and scored the day, alerts included."""
    home, plugin_env, stdout, delivered = plugin_day
    day, lake = PLUGIN_DAY, _lake(home)
    for dataset in DATASETS:
        ingested = _manifest(home, f"ingestion/{dataset}", day)
        assert ingested["received"] == ingested["ingested"] == delivered[dataset], ingested
        assert (lake / "datasets" / dataset / f"run_date={day}").is_dir()
        checked = lake / "validation" / f"dataset.{dataset}" / dataset / f"run_date={day}"
        assert checked.is_dir(), checked
    # Nineteen days have matured (a label is known two days after its payment); the last two
    # are left out and counted, the day's own included.
    snapshot = _manifest(home, "training_set/payment_risk", day)
    assert (snapshot["dataset"], snapshot["label_dataset"]) == ("payments", "disputes")
    assert snapshot["days"] == PLUGIN_HISTORY_DAYS - 2
    assert snapshot["rows"] + snapshot["immature_rows"] == delivered["payments"]
    assert snapshot["label_counts"]["disputed"] == PLUGIN_HISTORY_DAYS - 2
    assert (lake / "validation" / "training_set_on_dataset" / "payment_risk").is_dir()
    trained = _manifest(home, "model/payment_risk", day)
    gate = trained["gate"]
    assert gate["passed"], gate["explain"]
    assert {c["metric"] for c in gate["checks"]} >= {"precision_at_capacity"}
    assert trained["metrics"]["precision_at_capacity"] >= 0.5
    assert "payment_risk v1 on " in stdout and "rows of payments" in stdout
    assert "top 1 a day over " in stdout
    assert _registered(home, plugin_env, "payment_risk") == [("1", "True")]
    test = json.loads(_run([str(BIN / "lockgate"), "status", "--json"], plugin_env).stdout)["test"]
    assert "payment_risk" in {m["name"] for m in test["models"]}
    # Every delivered payment of the day scored by the release in test; one alert, the capacity.
    scored = _manifest(home, "scores/test/payment_risk", day)
    assert scored["release_id"] == test["release_id"]
    assert scored["rows"] == delivered["payments"]
    assert scored["by_decision"] == {"alert": 1, "pass": delivered["payments"] - 1}
    scores = _rows(lake / "scores" / "test" / "payment_risk" / f"run_date={day}")
    alert = scores[scores["decision"] == "alert"].iloc[0]
    assert alert["amount"] == scores["amount"].max()  # the largest payment against its usual
    checked = lake / "validation" / "alerts" / "test" / "payment_risk" / f"run_date={day}"
    assert checked.is_dir(), checked


def test_rerun_of_the_same_run_date_gives_the_same_partitions(plugin_day):
    home, env, _, _ = plugin_day
    extracted = _lake(home) / "extracted" / "documents" / f"run_date={PLUGIN_DAY}"
    scores = _lake(home) / "scores" / "test" / "routing" / f"run_date={PLUGIN_DAY}"
    # Same rows in the same order, in the same files, of the same bytes: the rerun's Spark
    # application is another JVM, whose parquet-mr lists encodings in another order
    # (lockgate.storage.parquet_footer puts them in one).
    before = (
        _rows(extracted),
        _rows(scores),
        _partition_digests(extracted),
        _partition_digests(scores),
    )
    datasets = [_lake(home) / "datasets" / d / f"run_date={PLUGIN_DAY}" for d in DATASETS]
    delivered = [(_rows(p), _partition_digests(p)) for p in datasets]
    models = ("routing", "urgency", "toy_urgency", "payment_risk")
    versions = {m: _manifest(home, f"model/{m}", PLUGIN_DAY)["version"] for m in models}
    release_before = _manifest(home, "scores/test/routing", PLUGIN_DAY)["release_id"]
    assert len(before[0]) and len(before[1])
    _run([str(BIN / "lockgate"), *PLUGIN_DEMO], env)
    assert _rows(extracted).equals(before[0])
    assert _rows(scores).equals(before[1])
    assert sorted(_partition_digests(extracted)) == ["part-00000.parquet"]
    assert _partition_digests(extracted) == before[2]
    assert _partition_digests(scores) == before[3]
    assert _manifest(home, "scores/test/routing", PLUGIN_DAY)["release_id"] == release_before
    # The day's deliveries ingested again: the same rows in the same bytes.
    for path, (rows, digests) in zip(datasets, delivered, strict=True):
        assert _rows(path).equals(rows) and _partition_digests(path) == digests, path
    # Same bytes from the same snapshot: no new version of any model.
    assert {m: _manifest(home, f"model/{m}", PLUGIN_DAY)["version"] for m in models} == versions


def test_jobs_run_by_hand_with_spark_submit(plugin_day, tmp_path):
    """The DAG's tasks ran the jobs on the home's Spark Connect server, which `lockgate demo`
    started (the local profile's fast path); the same jobs by spark-submit write the same
    bytes."""
    home, env, _, _ = plugin_day
    day = PLUGIN_DAY
    with sqlite3.connect(home / "airflow" / "airflow.db") as db:
        (run_id,) = db.execute(
            "SELECT run_id FROM dag_run WHERE dag_id = 'lockgate_pipeline' "
            "AND date(logical_date) = ?",
            (day,),
        ).fetchone()
    logs = home / "airflow" / "logs" / "dag_id=lockgate_pipeline" / f"run_id={run_id}"
    for task in ("extract_documents", "score_documents"):
        said = (logs / f"task_id={task}" / "attempt=1.log").read_text()
        assert "on a shared Spark application (Spark Connect server" in said, task
    extracted = _lake(home) / "extracted" / "documents" / f"run_date={day}"
    scores = _lake(home) / "scores" / "test" / "routing" / f"run_date={day}"
    alerts = _lake(home) / "scores" / "test" / "payment_risk" / f"run_date={day}"
    before = _rows(scores)
    fast = [_partition_digests(p) for p in (extracted, scores, alerts)]
    submit = [str(BIN / "spark-submit"), "--master", "local[2]"]
    _run(submit + ["jobs/extract_documents.py", "--run-date", day], env)
    _run(submit + ["jobs/score_documents.py", "--run-date", day, "--environment", "test"], env)
    # The plug-in's model on its dataset too: the same scores, alert included, to the byte.
    assert [_partition_digests(p) for p in (extracted, scores, alerts)] == fast
    assert _rows(scores).equals(before)
    # A refusal comes before the job's Spark session starts.
    score = [*submit, "jobs/score_documents.py", "--run-date", day, "--environment"]
    nothing = _run([*score, "dev"], env, check=False)
    assert nothing.returncode != 0
    assert "no release is deployed in dev" in nothing.stdout + nothing.stderr
    # prod runs an approved release; with an approval gone from the ledger it is refused.
    prod = [*submit, "jobs/score_documents.py", "--run-date", day, "--environment", "prod"]
    _run(prod, env)
    assert len(_rows(_lake(home) / "scores" / "prod" / "routing" / f"run_date={day}")) == len(
        before
    )
    with _ledger_restored_after(home, tmp_path):
        with sqlite3.connect(home / "ledger.db") as conn:
            conn.execute("DELETE FROM approvals WHERE role = 'risk' AND decision = 'approve'")
        refused = _run([*score, "prod"], env, check=False)
        entry = (
            sqlite3.connect(home / "ledger.db")
            .execute("SELECT action, payload FROM audit_log ORDER BY seq DESC LIMIT 1")
            .fetchone()
        )
    assert refused.returncode != 0
    said = refused.stdout + refused.stderr
    assert "the ledger's record of prod is not to be believed; refusing to score" in said
    assert "approvals: the audit log records a approve of change" in said and "as risk" in said
    assert entry[0] == "scoring.refused" and "not to be believed" in entry[1]  # on the record
