"""A case-management export imported into the label store of a real home: GX validation, the
quarantine, the audit log, reruns and a crash that add nothing, and labels read as of a day."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from lockgate.config import load_settings
from lockgate.labels import store
from lockgate.pipeline import labels as pipeline_labels
from lockgate.release.deploy import open_ledger
from lockgate.storage import Layout
from lockgate.validation.suites import validate_frame

A, B, C1, C2, ATTACHMENT = ("a" * 64, "b" * 64, "c" * 64, "d" * 64, "f" * 64)
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HEADER = "doc_id,source_file,department,urgency,decided_by,decided_at"
EXPORT = [
    f"{A},,Payments,urgent,ana,2026-11-20T10:00:00Z",  # accepted: two decisions
    ",b.pdf,kyc,,bob,2026-11-21 09:00",  # accepted, by its file name
    ",c.txt,kyc,,bob,2026-11-21",  # c.txt was received twice
    f"{'e' * 64},,kyc,,bob,2026-11-21",  # never received
    f"{ATTACHMENT},,kyc,,bob,2026-11-21",  # an attachment is no document of its own
    f"{A},,treasury,,bob,2026-11-21",
    f"{A},,kyc,,bob,2030-01-01",
    f"{A},,kyc,,bob,yesterday",
    f"{A},,kyc,,,2026-11-21",
    f"{A},,,,bob,2026-11-21",
    f"{A},,Payments,urgent,ana,2026-11-20T10:00:00Z",  # row 1 again: nothing new
]


def _settings(home: Path):
    return load_settings("local", "test", home)


def _extracted(home: Path) -> None:
    layout = Layout(_settings(home).storage_root)
    folder = Path(layout.extracted.removeprefix("file://")) / "run_date=2026-11-20"
    folder.mkdir(parents=True)
    rows = [
        {"doc_id": A, "source_file": "a.eml", "parent_doc_id": None},
        {"doc_id": ATTACHMENT, "source_file": "a.eml/x.pdf", "parent_doc_id": A},
        {"doc_id": B, "source_file": "b.pdf", "parent_doc_id": None},
        {"doc_id": C1, "source_file": "c.txt", "parent_doc_id": None},
        {"doc_id": C2, "source_file": "c.txt", "parent_doc_id": None},
    ]
    # As the extraction job writes them: the run date in the folder's name and in every row.
    rows = [r | {"run_date": "2026-11-20"} for r in rows]
    pq.write_table(pa.Table.from_pylist(rows), folder / "part-0.parquet")


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "home"
    _extracted(home)
    return home


def _export(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


def _files(home: Path) -> list[Path]:
    return sorted((home / "lake" / "label_store" / "decisions").rglob("*.parquet"))


def test_an_export_is_imported_validated_quarantined_and_audited(home, tmp_path):
    settings = _settings(home)
    report = pipeline_labels.import_export(
        settings, _export(tmp_path, "cases.csv", EXPORT), "pega", "os:ana", NOW
    )
    assert (report.rows, report.accepted_rows, report.quarantined_rows) == (11, 3, 8)
    assert report.accepted_rows + report.quarantined_rows == report.rows
    assert report.quarantined_by_reason == {
        "ambiguous_file_name": 1,
        "bad_time": 1,
        "future_time": 1,
        "missing_field": 2,
        "unknown_class": 1,
        "unknown_document": 2,
    }
    assert (report.decisions, report.added, report.already_held) == (5, 3, 2)
    quarantined = [
        json.loads(line)
        for line in Path(report.quarantine.removeprefix("file://")).read_text().splitlines()
    ]
    assert [q["row"] for q in quarantined] == [3, 4, 5, 6, 7, 8, 9, 10]
    assert quarantined[0]["fields"]["source_file"] == "c.txt"
    # Two decision days, a file each; every stored row says who decided, and where it came from.
    assert len(_files(home)) == 2
    stored = pq.read_table(_files(home)[0]).to_pylist() + pq.read_table(_files(home)[1]).to_pylist()
    assert {(r["doc_id"], r["label_column"], r["value"], r["decided_by"]) for r in stored} == {
        (A, "department", "payments", "ana"),
        (A, "urgency", "urgent", "ana"),
        (B, "department", "kyc", "bob"),
    }
    assert {(r["source"], r["system"], r["import_id"]) for r in stored} == {
        ("import", "pega", report.import_id)
    }
    (event,) = [e for e in open_ledger(settings).audit_entries() if e["action"] == "labels.import"]
    assert event["actor"] == "os:ana" and event["subject"] == "pega"
    assert json.loads(event["payload"])["added"] == 3


def test_the_same_file_again_adds_nothing_and_an_overlapping_one_only_what_is_new(home, tmp_path):
    settings = _settings(home)
    path = _export(tmp_path, "cases.csv", EXPORT)
    pipeline_labels.import_export(settings, path, "pega", "os:ana", NOW)
    files = _files(home)
    again = pipeline_labels.import_export(settings, path, "pega", "os:vic", NOW)
    assert again.already_imported and again.added == 0 and _files(home) == files
    overlapping = _export(
        tmp_path, "more.csv", [EXPORT[0], f"{C1},,kyc,routine,carl,2026-11-22T08:00:00Z"]
    )
    more = pipeline_labels.import_export(settings, overlapping, "pega", "os:ana", NOW)
    assert (more.decisions, more.added, more.already_held) == (4, 2, 2)
    assert len(_files(home)) == len(files) + 1


def test_an_import_stopped_before_its_record_runs_again_without_doubling(
    home, tmp_path, monkeypatch
):
    settings = _settings(home)
    path = _export(tmp_path, "cases.csv", EXPORT)

    def crash(*args, **kwargs):
        raise OSError("killed")

    with monkeypatch.context() as patched:
        patched.setattr(pipeline_labels, "write_json_atomic", crash)
        with pytest.raises(OSError):
            pipeline_labels.import_export(settings, path, "pega", "os:ana", NOW)
    files = _files(home)
    assert files  # the decisions were written, the import's record and audit entry were not
    _, _, findings = pipeline_labels.verify_store(settings)
    assert {f.problem for f in findings} == {store.UNRECORDED}
    report = pipeline_labels.import_export(settings, path, "pega", "os:ana", NOW)
    assert not report.already_imported
    # The rerun records the files the killed run wrote (the same decisions, the same names)
    # instead of trusting files no audit entry names; nothing is written twice. (Two of the
    # five decisions are the export's repeated row.)
    assert (report.added, report.already_held) == (3, 2)
    assert _files(home) == files
    assert pipeline_labels.verify_store(settings)[2] == []


def test_a_batch_the_suite_refuses_is_not_stored():
    from lockgate.labels.store import Decision

    decision = Decision(A, "department", "kyc", "ana", NOW, "import", "pega")
    before_its_decision = datetime(2026, 11, 1, tzinfo=UTC)
    report = validate_frame(
        store.as_frame([decision], "i" * 64, before_its_decision), "label_decisions"
    )
    assert [o.column for o in report.critical_failures] == ["recorded_at,decided_at"]


def test_labels_as_of_a_day_hold_the_latest_decision_known_then(home, tmp_path, spark):
    settings = _settings(home)
    layout = Layout(settings.storage_root)
    first = _export(tmp_path, "first.csv", [f"{A},,payments,routine,ana,2026-11-20T10:00:00Z"])
    pipeline_labels.import_export(settings, first, "pega", "os:ana", NOW)
    later = _export(
        tmp_path,
        "later.csv",
        [
            f"{A},,kyc,,bob,2026-11-22T09:00:00Z",  # supersedes ana's department two days on
            f"{B},,kyc,urgent,bob,2026-11-23T00:00:00Z",  # a document labelled only later
        ],
    )
    pipeline_labels.import_export(settings, later, "pega", "os:bob", NOW)

    def as_of(day):
        frame = store.labels_as_of(spark, layout, day, ["department", "urgency"])
        return {r["doc_id"]: (r["department"], r["urgency"]) for r in frame.collect()}

    assert as_of("2026-11-19") == {}
    assert as_of("2026-11-20") == as_of("2026-11-21") == {A: ("payments", "routine")}
    assert as_of("2026-11-22") == {A: ("kyc", "routine")}
    assert as_of("2026-11-23") == {A: ("kyc", "routine"), B: ("kyc", "urgent")}
    # Both of A's department decisions are kept: the later one supersedes, nothing is deleted.
    kept = store.decisions(spark, layout).where("doc_id = '" + A + "'").count()
    assert kept == 3


def test_the_command_line_imports_and_names_the_caller(home, tmp_path, monkeypatch):
    from lockgate.cli.main import cli
    from lockgate.release.identity import cli_identity

    monkeypatch.setenv("LOCKGATE_HOME", str(home))
    monkeypatch.setenv("LOCKGATE_PROFILE", "local")
    path = _export(tmp_path, "cases.csv", EXPORT[:3])
    result = CliRunner().invoke(cli, ["labels", "import", str(path), "--source", "pega"])
    assert result.exit_code == 0, result.output
    assert "3 rows: 2 accepted, 1 quarantined; 3 decisions, 3 added" in result.output
    assert "ambiguous_file_name: 1" in result.output
    again = CliRunner().invoke(cli, ["labels", "import", str(path), "--source", "pega"])
    assert "imported before" in again.output and "nothing added" in again.output
    (event,) = [
        e for e in open_ledger(_settings(home)).audit_entries() if e["action"] == "labels.import"
    ]
    assert event["actor"] == cli_identity()
    bad = tmp_path / "cases.tsv"
    bad.write_text("x")
    refused = CliRunner().invoke(cli, ["labels", "import", str(bad), "--source", "pega"])
    assert refused.exit_code == 1 and "by its suffix" in refused.output
    hostile = CliRunner().invoke(cli, ["labels", "import", str(path), "--source", "../etc"])
    assert hostile.exit_code == 1 and "a system's name" in hostile.output


def test_corpus_records_the_answer_key_unless_the_days_arrive_unlabelled(tmp_path, monkeypatch):
    from lockgate.cli.main import cli

    home = tmp_path / "home"
    monkeypatch.setenv("LOCKGATE_HOME", str(home))
    monkeypatch.setenv("LOCKGATE_PROFILE", "local")
    monkeypatch.setenv("LOCKGATE_CACHE", str(tmp_path / "cache"))
    generate = ["corpus", "--documents", "6", "--broken-share", "0", "--days", "2"]
    result = CliRunner().invoke(cli, [*generate, "--run-date", "2026-11-01", "--unlabelled"])
    assert result.exit_code == 0, result.output
    assert len((home / "lake" / "labels" / "2026-11-02" / "ground_truth.jsonl").read_text())
    assert not (home / "lake" / "label_store").exists()
    result = CliRunner().invoke(cli, [*generate, "--run-date", "2026-11-03"])
    assert result.exit_code == 0, result.output
    assert [p.parent.name for p in _files(home)] == [
        "decided_on=2026-11-03",
        "decided_on=2026-11-04",
    ]


def test_the_generators_answer_key_becomes_its_decisions_at_the_start_of_its_day(
    home, tmp_path, spark, small_corpus
):
    settings = _settings(home)
    root, _ = small_corpus
    truth = root / "labels" / "ground_truth.jsonl"
    records = [json.loads(line) for line in truth.read_text().splitlines()]
    labelled = {
        r["doc_id"]: (r["department"], r["urgency"]) for r in records if not r["broken_reason"]
    }
    assert 0 < len(labelled) < len(records)  # the corpus has files broken on purpose
    report = pipeline_labels.record_generated_truth(settings, "2026-11-20", truth, "os:ci", NOW)
    assert (report.rows, report.quarantined_rows, report.added) == (
        len(labelled),
        0,
        2 * len(labelled),
    )
    layout = Layout(settings.storage_root)
    stored = store.decisions(spark, layout).collect()
    assert {(r["source"], r["system"], r["decided_by"]) for r in stored} == {
        ("generator", "lockgate-generator", "lockgate:generator")
    }
    assert {r["decided_at"].isoformat() for r in stored} == {"2026-11-20T00:00:00"}  # UTC
    frame = store.labels_as_of(spark, layout, "2026-11-20", ["department", "urgency"])
    assert {r["doc_id"]: (r["department"], r["urgency"]) for r in frame.collect()} == labelled
    assert store.labels_as_of(spark, layout, "2026-11-19", ["department"]).count() == 0
    again = pipeline_labels.record_generated_truth(settings, "2026-11-20", truth, "os:ci", NOW)
    assert again.already_imported and again.added == 0
    # The day's decisions pass the store's suite with the run's inputs.
    from lockgate.pipeline.validation import validate_label_decisions

    (result,) = validate_label_decisions(layout, "2026-11-20")
    assert result["success"] and result["suite"] == "label_decisions"
    assert validate_label_decisions(layout, "2026-11-21") == []  # no decisions that day


def _rewrite(path: Path, change) -> None:
    """Rewrite a store file in place, its rows changed by `change(rows)`, as someone with write
    access to the lake could."""
    rows = pq.read_table(path).to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=pq.read_schema(path)), path)


def test_the_store_is_checked_against_the_audit_log_as_someone_who_edits_the_lake_would(
    home, tmp_path, monkeypatch
):
    settings = _settings(home)
    pipeline_labels.import_export(settings, _export(tmp_path, "a.csv", EXPORT), "pega", "o", NOW)
    assert pipeline_labels.verify_store(settings) == (2, 3, [])
    victim = next(p for p in _files(home) if "2026-11-20" in p.parent.name)
    name = f"{victim.parent.name}/{victim.name}"
    original = victim.read_bytes()

    def findings():
        return [(f.file, f.problem) for f in pipeline_labels.verify_store(settings)[2]]

    # An edited value: the row no longer says what its id says.
    _rewrite(victim, lambda rows: rows[0].update(value="treasury"))
    ((file, problem),) = findings()
    assert file == name and "was edited after it was written" in problem
    with pytest.raises(pipeline_labels.LabelStoreDamaged, match="integrity"):
        pipeline_labels.require_intact(settings)
    # Training refuses it before it reads anything.
    monkeypatch.setenv("LOCKGATE_HOME", str(home))
    monkeypatch.setenv("LOCKGATE_PROFILE", "local")
    job = _job("build_training_set")
    with pytest.raises(pipeline_labels.LabelStoreDamaged):
        job.main(["--run-date", "2026-11-20"])

    # A forger who knows the format gives the row its new id: the file no longer holds what
    # its name is the digest of; renamed to fit, it is a file no audited command wrote, and the
    # file the audit log names is gone.
    def forge(rows):
        rows[0]["value"] = "treasury"
        rows[0]["decision_id"] = store._decision_id(rows[0])

    _rewrite(victim, forge)
    assert [p for _, p in findings()] == ["holds other decisions than its name is the digest of"]
    ids = [r["decision_id"] for r in pq.read_table(victim).to_pylist()]
    renamed = victim.with_name(store._file_name(ids))
    victim.rename(renamed)
    assert sorted(findings()) == sorted(
        [
            (f"{victim.parent.name}/{renamed.name}", store.UNRECORDED),
            (name, "the audit log records it, but it is gone"),
        ]
    )
    # Put back as it was written, the store is intact again.
    renamed.unlink()
    victim.write_bytes(original)
    assert findings() == []
    # A decision copied into another day's folder (and a plain deletion).
    other = next(p for p in _files(home) if p != victim)
    copy = other.parent.parent / "decided_on=2026-11-25" / other.name
    copy.parent.mkdir()
    copy.write_bytes(other.read_bytes())
    other.unlink()
    got = dict.fromkeys(p for _, p in findings())
    assert list(got) == [
        "holds a decision not made on 2026-11-25",
        store.UNRECORDED,
        "the audit log records it, but it is gone",
    ]
    assert pipeline_labels.adopt(settings, "os:ops") == []  # the copy is not whole: not adopted


def test_whole_unrecorded_files_are_adopted_as_an_audited_act(home, tmp_path, monkeypatch):
    from lockgate.cli.main import cli

    settings = _settings(home)
    layout = Layout(settings.storage_root)
    decision = store.Decision(A, "department", "kyc", "bob", NOW, "import", "pega")
    # Written by a lockgate from before files were audited, or a command killed before its entry.
    (written,) = store.write_frame(layout, store.as_frame([decision], "i" * 64, NOW))
    monkeypatch.setenv("LOCKGATE_HOME", str(home))
    monkeypatch.setenv("LOCKGATE_PROFILE", "local")
    refused = CliRunner().invoke(cli, ["labels", "verify"])
    assert refused.exit_code == 1 and f"{written}: {store.UNRECORDED}" in refused.output
    adopted = CliRunner().invoke(cli, ["labels", "verify", "--adopt"])
    assert adopted.exit_code == 0, adopted.output
    assert (
        f"adopted {written}" in adopted.output and "label store intact: 1 files" in adopted.output
    )
    (event,) = [e for e in open_ledger(settings).audit_entries() if e["action"] == "labels.adopt"]
    from lockgate.release.identity import cli_identity

    assert event["actor"] == cli_identity()
    assert json.loads(event["payload"]) == {store.AUDIT_KEY: [written]}


def _job(name: str):
    import importlib.util

    path = Path(__file__).resolve().parents[3] / "jobs" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"lockgate_job_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
