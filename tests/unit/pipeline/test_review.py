"""The review queue on a real home: who sees content, what a decision records, what leaves the
queue, and the audit trail of every view, decision and refusal."""

import json
import os
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from support import NEW, OLD, review_home

from lockgate.config import load_settings
from lockgate.labels.store import AUDIT_KEY
from lockgate.pipeline import review
from lockgate.pipeline.labels import verify_store
from lockgate.release.deploy import open_ledger
from lockgate.release.identity import cli_identity
from lockgate.storage import Layout

REVIEWER, OUTSIDER = "airflow:rhea", "airflow:vic"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def home(tmp_path):
    return review_home(tmp_path / "home", [REVIEWER, cli_identity()])


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
    # The file it wrote is named in that audit entry: the store is intact.
    assert len(json.loads(event["payload"])[AUDIT_KEY]) == 1
    assert verify_store(settings)[2] == []
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


def _label_studio_export(tasks: list[dict]) -> list[dict]:
    """What Label Studio's JSON export of a project holds once these tasks were imported and
    annotated: ids of its own, the data as imported, one annotation each by users 1 and 2,
    and on the second task a third user's skipped one."""
    chosen = ["custody", "kyc"]
    exported = []
    for number, task in enumerate(tasks, start=1):
        annotation = {
            "id": 100 + number,
            "completed_by": number,
            "result": [
                {
                    "id": f"r{number}",
                    "from_name": "label",
                    "to_name": "text",
                    "type": "choices",
                    "origin": "manual",
                    "value": {"choices": [chosen[number - 1]]},
                }
            ],
            "was_cancelled": False,
            "ground_truth": False,
            "created_at": "2026-11-30T10:00:00.000000Z",
            "updated_at": f"2026-11-30T1{number}:00:00.000000Z",
            "lead_time": 4.2,
            "task": number,
        }
        exported.append(task | {"id": number, "project": 7, "annotations": [annotation]})
    exported[1]["annotations"].append(
        {"id": 200, "completed_by": 3, "result": [], "was_cancelled": True, "task": 2}
    )
    return exported


def test_a_label_studio_export_made_by_lockgate_round_trips(home, tmp_path):
    import pyarrow.parquet as pq

    from lockgate.pipeline.labels import import_label_studio

    settings = _settings(home)
    tasks, config = review.export_label_studio(settings, "test", "routing", REVIEWER)
    assert [t["data"]["doc_id"] for t in tasks] == [OLD, NEW]
    assert tasks[0]["data"]["text"] == "Please open an account <IBAN> (2026-11-20)"
    assert tasks[0]["predictions"][0]["result"][0]["value"] == {"choices": ["kyc"]}
    assert '<Choice value="custody"/>' in config and 'toName="text"' in config
    (exported,) = _audit(home, "review.export")
    assert exported["actor"] == REVIEWER and json.loads(exported["payload"])["documents"] == [
        OLD,
        NEW,
    ]
    path = tmp_path / "project-7-export.json"
    path.write_text(json.dumps(_label_studio_export(tasks)))
    report = import_label_studio(settings, path, "department", "os:ci", NOW)
    assert (report.rows, report.accepted_rows, report.quarantined_rows) == (3, 2, 1)
    assert report.quarantined_by_reason == {"missing_field": 1}  # the skipped annotation
    stored = [
        row
        for part in sorted((home / "lake" / "label_store" / "decisions").rglob("*.parquet"))
        for row in pq.read_table(part).to_pylist()
        if row["source"] == "label-studio"
    ]
    assert {
        (r["doc_id"], r["value"], r["decided_by"], r["decided_at"].isoformat()) for r in stored
    } == {
        (OLD, "custody", "label-studio:1", "2026-11-30T11:00:00+00:00"),
        (NEW, "kyc", "label-studio:2", "2026-11-30T12:00:00+00:00"),
    }
    assert review.queue(settings, "test", "routing") == []  # both were decided by people
    again = import_label_studio(settings, path, "department", "os:ci", NOW)
    assert again.already_imported and again.added == 0


def test_a_label_studio_export_is_for_reviewers_and_lands_in_a_new_private_folder(
    home, tmp_path, monkeypatch
):
    from lockgate.cli.main import cli

    monkeypatch.setenv("LOCKGATE_HOME", str(home))
    monkeypatch.setenv("LOCKGATE_ENV", "test")
    out = tmp_path / "ls"
    args = ["review", "export-label-studio", "--model", "routing", "--out", str(out)]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code == 0, done.output
    assert json.loads((out / "tasks.json").read_text())[0]["data"]["doc_id"] == OLD
    assert {oct(p.stat().st_mode & 0o777) for p in out.iterdir()} == {"0o600"}
    assert oct(out.stat().st_mode & 0o777) == "0o700"
    # A folder that exists (or a symlink planted where it will be) is refused, not written into.
    planted = tmp_path / "planted"
    planted.symlink_to(tmp_path / "elsewhere")
    for target in (out, planted):
        refused = CliRunner().invoke(cli, [*args[:-1], str(target)])
        assert refused.exit_code == 1 and "name a new folder" in refused.output
    assert not (tmp_path / "elsewhere").exists()
    (home / "access.toml").write_text('[roles]\nreviewer = ["airflow:rhea"]\n')
    not_yours = CliRunner().invoke(cli, [*args[:-1], str(tmp_path / "other")])
    assert not_yours.exit_code == 1 and "reviewer role" in not_yours.output
    assert not (tmp_path / "other").exists()


def _corrected_by_a_case_system(home, doc_id: str, value: str) -> None:
    from lockgate.labels.store import Decision, as_frame, write_frame

    moment = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    decision = Decision(doc_id, "department", value, "j.smith", moment, "import", "pega")
    write_frame(Layout(_settings(home).storage_root), as_frame([decision], "5" * 64, NOW))


def test_feedback_counts_what_people_made_of_the_scores(home):
    from support import AUTO

    settings = _settings(home)
    review.decide(settings, "test", "routing", NEW, "kyc", REVIEWER, NOW)  # agrees with the model
    _corrected_by_a_case_system(home, AUTO, "payments")  # the model auto-routed it to kyc
    found = review.feedback(settings, "test", "routing", "2026-11-19", "2026-11-21")
    day20, day21 = found["days"]  # nothing was scored on the 19th
    assert day20 == {
        "run_date": "2026-11-20",
        "scored": 1,
        "auto": 0,
        "reviewed": 0,
        "waiting": 1,
        "agreed": 0,
        "corrected": 0,
        "automation_rate": 0.0,
        "agreement": None,
        "correction_rate": None,
    }
    # NEW (rhea) and KNOWN (the case system) were reviewed and agreed with; AUTO was corrected.
    assert (day21["scored"], day21["auto"], day21["reviewed"], day21["waiting"]) == (3, 1, 2, 0)
    assert (day21["agreement"], day21["correction_rate"]) == (1.0, 1.0)
    assert day21["automation_rate"] == pytest.approx(1 / 3, abs=1e-4)
    assert found["total"]["scored"] == 4 and found["oldest_waiting"] == "2026-11-20"
    assert review.recent_feedback(settings, "test", "routing", 1)["from"] == "2026-11-21"
    assert review.recent_feedback(settings, "prod", "routing", 7) is None


def test_too_many_corrections_propose_a_retraining_like_drift(home, monkeypatch):
    from types import SimpleNamespace

    from support import AUTO

    from lockgate.orchestration.alerts import (
        CORRECTIONS,
        alert_subject,
        drift_event,
        retraining_request,
    )
    from lockgate.pipeline.monitoring import breach_message, people_feedback

    settings = _settings(home)
    policy = settings.policy.monitoring
    assert (
        people_feedback(settings, "test", "2026-11-20", "2026-11-21")["routing"][
            "corrections_exceed"
        ]
        is False
    )  # nothing corrected yet
    _corrected_by_a_case_system(home, AUTO, "payments")
    found = people_feedback(settings, "test", "2026-11-20", "2026-11-21")["routing"]
    assert found["correction_rate"] == 1.0
    assert found["corrections_exceed"] is False  # one auto-routed document is too few to judge
    monkeypatch.setattr(policy, "min_rows", 1)
    monkeypatch.setattr(policy, "models", {})
    found = people_feedback(settings, "test", "2026-11-20", "2026-11-21")
    assert found["routing"]["corrections_exceed"] is True
    summary = {
        "environment": "test",
        "from": "2026-11-20",
        "to": "2026-11-21",
        "models": {},
        "anomalies": [],
        "feedback": found,
    }
    assert "routing: people labelled 1 of 1 automatically decided" in breach_message(summary)
    assert "routing corrected by people" in alert_subject(summary)
    event = SimpleNamespace(extra=None)
    drift_event(summary, event)
    assert event.extra["drifted"] == {"routing": [CORRECTIONS]}
    proposed = retraining_request([event.extra], {}, ["routing", "urgency"])
    assert (proposed["run_date"], proposed["models"]) == ("2026-11-21", ["routing"])


def _received_letter(home) -> str:
    """A real received letter in the landing zone, extracted and sent to review on 2026-11-22."""
    import hashlib

    import pyarrow as pa
    import pyarrow.parquet as pq

    from lockgate.extraction import Limits, extract_records
    from lockgate.scoring.batch import SCORE_ARROW_SCHEMA

    data = (
        b"Subject: transfer\n\nPlease pay EUR 1.250,00 to IBAN DE89 3704 0044 0532 0130 00 today."
        b"\nQuestions: write to our desk.\n"
    )
    doc_id = hashlib.sha256(data).hexdigest()
    lake, day = home / "lake", "2026-11-22"
    (lake / "landing" / day).mkdir(parents=True)
    (lake / "landing" / day / "letter.txt").write_bytes(data)
    row = extract_records("letter.txt", data, Limits())[0] | {"run_date": day}
    folder = lake / "extracted" / "documents" / f"run_date={day}"
    folder.mkdir(parents=True)
    pq.write_table(pa.Table.from_pylist([row]), folder / "part-0.parquet")
    top = [{"label": "payments", "probability": 0.6}, {"label": "kyc", "probability": 0.3}]
    scores = pa.table(
        {
            "doc_id": [doc_id],
            "prediction": ["payments"],
            "confidence": [0.6],
            "decision": ["manual_review"],
            "top_classes": [top],
        },
        schema=SCORE_ARROW_SCHEMA,
    )
    for name, value in (("model", "routing"), ("model_version", "3"), ("release_id", "rel-1")):
        scores = scores.append_column(name, pa.array([value]))
    scores = scores.append_column("run_date", pa.array([day]))
    folder = lake / "scores" / "test" / "routing" / f"run_date={day}"
    folder.mkdir(parents=True)
    pq.write_table(scores, folder / "part-0.parquet")
    return doc_id


def test_field_labels_of_reviewers_score_the_extractor_on_their_documents(home, monkeypatch):
    from lockgate.cli.main import cli
    from lockgate.extraction import Limits
    from lockgate.tooling.evaluation.reviewed import evaluate_reviewed

    letter = _received_letter(home)
    monkeypatch.setenv("LOCKGATE_HOME", str(home))
    monkeypatch.setenv("LOCKGATE_ENV", "test")
    args = ["review", "fields", letter, "--model", "routing"]
    # The IBAN extraction found is right; the e-mail address it could not find is named.
    done = CliRunner().invoke(cli, [*args, "--confirm", "IBAN", "--set", "EMAIL=desk@bank.example"])
    assert done.exit_code == 0, done.output
    assert "field_iban of" in done.output and '["DE89370400440532013000"]' in done.output
    # A field type that does not exist is refused, and nothing of the call is recorded.
    refused = CliRunner().invoke(cli, [*args, "--set", "SWIFT=x"])
    assert refused.exit_code == 1 and "no field type 'SWIFT'" in refused.output
    settings = _settings(home)
    review.correct_fields(settings, "test", "routing", OLD, {"PHONE": []}, REVIEWER)  # gone
    assert review.reviewed_fields(settings)[letter] == {
        "EMAIL": ["desk@bank.example"],
        "IBAN": ["DE89370400440532013000"],
    }
    (event, _) = _audit(home, "review.fields")
    assert event["actor"] == cli_identity() and event["subject"] == letter
    assert verify_store(settings)[2] == []  # each call's file is named in its audit entry
    found = evaluate_reviewed(settings, Limits(), None)
    assert (found.documents, found.scored) == (2, 1)
    assert found.unavailable == [{"doc_id": OLD, "reason": "the received file is gone"}]
    iban, email = found.fields["IBAN"], found.fields["EMAIL"]
    assert (iban.true_positives, iban.false_positives, iban.false_negatives) == (1, 0, 0)
    assert (email.true_positives, email.false_positives, email.false_negatives) == (0, 0, 1)
    # A received file edited since: not scored, and said so.
    (home / "lake" / "landing" / "2026-11-22" / "letter.txt").write_bytes(b"other bytes")
    assert {"doc_id": letter, "reason": "the file's bytes changed"} in evaluate_reviewed(
        settings, Limits(), None
    ).unavailable
    assert not CliRunner().invoke(cli, ["eval-extraction", "--help"]).exit_code
    assert "--reviewed" in CliRunner().invoke(cli, ["eval-extraction", "--help"]).output
