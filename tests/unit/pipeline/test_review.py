"""The review queue on a real home: who sees content, what a decision records, what leaves the
queue, and the audit trail of every view, decision and refusal."""

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from lockgate.config import load_settings
from lockgate.labels.store import Decision, as_frame, write_frame
from lockgate.pipeline import review
from lockgate.release.deploy import open_ledger
from lockgate.release.identity import cli_identity
from lockgate.scoring.batch import SCORE_ARROW_SCHEMA
from lockgate.storage import Layout

OLD, NEW, AUTO, KNOWN = ("1" * 64, "2" * 64, "3" * 64, "4" * 64)
REVIEWER, OUTSIDER = "airflow:rhea", "airflow:vic"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _lake(home: Path) -> Path:
    return home / "lake"


def _partition(root: Path, day: str, table: pa.Table) -> None:
    folder = root / f"run_date={day}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, folder / "part-0.parquet")


def _scores(rows):
    top = [[{"label": "kyc", "probability": 0.55}, {"label": "payments", "probability": 0.3}]]
    columns = {
        "doc_id": [r[0] for r in rows],
        "prediction": ["kyc"] * len(rows),
        "confidence": [0.55] * len(rows),
        "decision": [r[1] for r in rows],
        "top_classes": [top[0] if r[1] == "manual_review" else None for r in rows],
    }
    table = pa.table(columns, schema=SCORE_ARROW_SCHEMA)
    for name, value in (("model", "routing"), ("model_version", "3"), ("release_id", "rel-1")):
        table = table.append_column(name, pa.array([value] * len(rows)))
    return table


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "home"
    scores = _lake(home) / "scores" / "test" / "routing"
    _partition(
        scores,
        "2026-11-21",
        _scores([(NEW, "manual_review"), (AUTO, "auto_route"), (KNOWN, "manual_review")]),
    )
    _partition(scores, "2026-11-20", _scores([(OLD, "manual_review")]))
    extracted = _lake(home) / "extracted" / "documents"
    for day, doc in (("2026-11-20", OLD), ("2026-11-21", NEW)):
        entity = {"type": "IBAN", "value": "DE44 5001", "normalized": "DE445001", "valid": True}
        entity |= {"source": "body", "start": 0, "end": 9, "confidence": 1.0}
        _partition(
            extracted,
            day,
            pa.Table.from_pylist(
                [
                    {
                        "doc_id": doc,
                        "format": "txt",
                        "language": "en",
                        "masked_text": f"Please open an account <IBAN> ({day})",
                        "entities": [entity],
                    }
                ]
            ),
        )
    access = home / "access.toml"
    access.write_text(f'[roles]\nreviewer = ["{REVIEWER}", "{cli_identity()}"]\n')
    access.chmod(0o600)
    settings = load_settings("local", "test", home)
    # A case system already decided KNOWN: a person's decision, so it is not queued.
    moment = datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    decided = [
        Decision(KNOWN, "department", "kyc", "j.smith", moment, "import", "pega"),
        Decision(OLD, "department", "payments", "lockgate:generator", moment, "generator", "g"),
    ]
    write_frame(Layout(settings.storage_root), as_frame(decided, "0" * 64, NOW))
    return home


def _settings(home):
    return load_settings("local", "test", home)


def _audit(home, action):
    return [e for e in open_ledger(_settings(home)).audit_entries() if e["action"] == action]


def test_the_queue_is_the_undecided_manual_review_documents_oldest_first(home):
    items = review.queue(_settings(home), "test", "routing")
    assert [i.doc_id for i in items] == [OLD, NEW]  # the generator's key is no person's decision
    assert [c["label"] for c in items[0].top_classes] == ["kyc", "payments"]
    assert (items[0].run_date, items[0].release_id) == ("2026-11-20", "rel-1")


def test_a_reviewer_sees_the_document_and_the_view_is_audited(home):
    document = review.next_document(_settings(home), "test", "routing", REVIEWER)
    assert document.item.doc_id == OLD
    assert document.masked_text == "Please open an account <IBAN> (2026-11-20)"
    assert document.fields == [
        {
            "type": "IBAN",
            "value": "DE44 5001",
            "normalized": "DE445001",
            "valid": True,
            "source": "body",
        }
    ]
    (view,) = _audit(home, "review.view")
    assert (view["actor"], view["subject"]) == (REVIEWER, OLD)


@pytest.mark.parametrize("who", [OUTSIDER, "os:mallory", "airflow:rhea ", "demo:rhea"])
def test_anyone_without_the_role_gets_no_content_and_the_refusal_is_audited(home, who):
    settings = _settings(home)
    with pytest.raises(review.ReviewRefused, match="reviewer role"):
        review.next_document(settings, "test", "routing", who)
    with pytest.raises(review.ReviewRefused):
        review.open_document(settings, "test", "routing", OLD, who)
    with pytest.raises(review.ReviewRefused):
        review.decide(settings, "test", "routing", OLD, "kyc", who)
    assert [e["actor"] for e in _audit(home, "review.refused")] == [who] * 3
    assert _audit(home, "review.view") == [] and _audit(home, "review.decide") == []
    assert len(review.queue(settings, "test", "routing")) == 2  # nothing was decided


def test_a_decision_answers_the_release_and_takes_the_document_out_of_the_queue(home, spark):
    from lockgate.labels.store import labels_as_of

    settings = _settings(home)
    decision = review.decide(settings, "test", "routing", OLD, "custody", REVIEWER, NOW)
    assert (decision.source, decision.system, decision.decided_by) == (
        "review",
        "lockgate-review",
        REVIEWER,
    )
    assert decision.answers_release == "rel-1" and decision.label_column == "department"
    assert [i.doc_id for i in review.queue(settings, "test", "routing")] == [NEW]
    (event,) = _audit(home, "review.decide")
    assert event["actor"] == REVIEWER and json.loads(event["payload"])["label"] == "custody"
    # The reviewer's label supersedes the generator's from its own day on, never before it.
    layout = Layout(settings.storage_root)

    def department(day):
        rows = labels_as_of(spark, layout, day, ["department"]).collect()
        return {r["doc_id"]: r["department"] for r in rows}.get(OLD)

    assert department("2026-11-30") == "payments"
    assert department("2026-12-01") == "custody"


def test_a_label_outside_the_classes_or_a_document_never_scored_is_refused(home):
    settings = _settings(home)
    with pytest.raises(review.ReviewRefused, match="not a class"):
        review.decide(settings, "test", "routing", OLD, "treasury", REVIEWER)
    with pytest.raises(review.ReviewRefused, match="scored no document"):
        review.decide(settings, "test", "routing", "9" * 64, "kyc", REVIEWER)
    with pytest.raises(review.ReviewRefused, match="scored no document"):
        review.decide(settings, "prod", "routing", OLD, "kyc", REVIEWER)


def test_the_command_line_acts_as_the_account_running_it(home, monkeypatch):
    from lockgate.cli.main import cli

    monkeypatch.setenv("LOCKGATE_HOME", str(home))
    monkeypatch.setenv("LOCKGATE_ENV", "test")
    listed = CliRunner().invoke(cli, ["review", "queue", "--model", "routing"])
    assert listed.exit_code == 0 and "2 routing documents to review in test" in listed.output
    shown = CliRunner().invoke(cli, ["review", "next", "--model", "routing"])
    assert shown.exit_code == 0, shown.output
    assert "Please open an account <IBAN> (2026-11-20)" in shown.output
    decided = CliRunner().invoke(
        cli, ["review", "decide", OLD, "--model", "routing", "--label", "kyc"]
    )
    assert decided.exit_code == 0 and f"decided by {cli_identity()}" in decided.output
    # Without the role (the access file names someone else), and $USER cannot change who we are.
    access = home / "access.toml"
    access.write_text(f'[roles]\nreviewer = ["{REVIEWER}"]\n')
    monkeypatch.setenv("USER", "rhea")
    monkeypatch.setenv("LOCKGATE_USER", "airflow:rhea")
    refused = CliRunner().invoke(cli, ["review", "next", "--model", "routing"])
    assert refused.exit_code == 1 and "does not hold the reviewer role" in refused.output
    assert "Please open" not in refused.output
    assert os.stat(access).st_mode & 0o777 == 0o600
