"""Extraction on 696 messages and PDFs that lockgate did not write (tests/data/realworld, each
file from another project's published test data, with its licence): nothing crashes, every file
gives rows or a quarantine row with a specific reason, and the messages are read."""

import hashlib
import json

import pytest

from lockgate.extraction import Limits, reasons
from lockgate.tooling.evaluation.realworld import default_corpus, evaluate_real_world

CORPUS = default_corpus()
# OCR is left to test_ocr.py; a 2 s budget still bounds every file (a hang is a time_budget row).
LIMITS = Limits(time_budget_seconds=2.0, ocr=False)
MESSAGES = ("eml", "mbox")


def _manifest() -> list[dict]:
    return [json.loads(line) for line in (CORPUS / "manifest.jsonl").read_text().splitlines()]


def _assert_files_sources_and_licences(corpus, entries: list[dict]) -> None:
    """Each file has its manifest's sha256, a section in SOURCES.md and a licence copy."""
    sources = (corpus / "SOURCES.md").read_text()
    for entry in entries:
        assert hashlib.sha256((corpus / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
        assert f"## {entry['source']}\n" in sources, entry["source"]
        assert list((corpus / "licences").glob(f"{entry['source']}.*")), entry["source"]


@pytest.fixture(scope="module")
def report():
    """Every file extracted once, on both cores, without the name model."""
    return evaluate_real_world(CORPUS, LIMITS, workers=2)


@pytest.fixture(scope="module")
def outcomes(report) -> list[tuple[dict, dict]]:
    return report.outcomes


def test_the_corpus_is_what_its_manifest_and_sources_say():
    entries = _manifest()
    assert len(entries) >= 300 and len({e["sha256"] for e in entries}) == len(entries)
    _assert_files_sources_and_licences(CORPUS, entries)


@pytest.mark.parametrize("held_out", ["heldout", "heldout2"])
def test_the_held_out_sets_are_what_their_manifests_say_and_each_file_is_labelled_once(held_out):
    corpus = CORPUS.parent / held_out
    entries = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text().splitlines()]
    labels = [json.loads(line) for line in (corpus / "labels.jsonl").read_text().splitlines()]
    assert len(entries) >= 40 and len({e["sha256"] for e in entries}) == len(entries)
    assert sorted(label["path"] for label in labels) == sorted(e["path"] for e in entries)
    assert len({label["id"] for label in labels}) == len(labels)
    _assert_files_sources_and_licences(corpus, entries)


def test_every_file_gives_rows_or_a_specific_quarantine_reason(outcomes):
    assert len(outcomes) == len(_manifest())
    for entry, outcome in outcomes:
        top = outcome["top"]
        assert top["doc_id"] == entry["sha256"] and top["parent_doc_id"] is None
        if top["quarantine_reason"] is None:
            assert top["text_chars"] > 0 and top["masked_text"], entry["path"]
        else:
            assert top["quarantine_reason"] in reasons.ALL and top["quarantine_detail"]
        # A parser error is a crash caught, not a reason: none is left on this corpus.
        assert outcome["parser_errors"] == [], entry["path"]


def test_at_least_95_percent_of_the_messages_reach_a_parsed_row_with_text(report):
    assert len(report.messages) >= 300
    assert report.read_share >= 0.95, report.by_outcome()


def test_pdfs_that_need_a_password_are_encrypted_and_the_others_are_opened(outcomes):
    locked = opened = 0
    for entry, outcome in outcomes:
        reason = outcome["top"]["quarantine_reason"]
        if "user password '" in entry["notes"]:
            assert reason == reasons.ENCRYPTED, entry["path"]
            locked += 1
        elif "empty user password" in entry["notes"]:
            assert reason != reasons.ENCRYPTED, entry["path"]
            opened += reason is None
    assert locked >= 10 and opened >= 8


def test_bounces_are_read_with_their_delivery_status(outcomes):
    bounces = [(e, o["top"]) for e, o in outcomes if "message/delivery-status" in e["notes"]]
    assert len(bounces) >= 20
    for entry, top in bounces:
        assert top["quarantine_reason"] is None, entry["path"]
        text = top["masked_text"].lower()
        assert "status:" in text or "action:" in text, entry["path"]


def test_mailboxes_give_their_messages_as_children(outcomes):
    boxes = [(e, o) for e, o in outcomes if o["top"]["format"] == "mbox"]
    assert len(boxes) >= 3
    for entry, outcome in boxes:
        assert outcome["children"], entry["path"]
        assert {fmt for fmt, _ in outcome["children"]} >= {"eml"}, entry["path"]


def test_hand_labelled_fields_are_scored_per_file_and_type(report):
    assert report.labelled >= 100
    labelled = sum(s.planted for s in report.fields.values())
    assert labelled >= 200 and report.fields["EMAIL"].planted >= 50
    email = report.fields["EMAIL"]
    assert 0 < email.true_positives <= email.planted
    assert report.as_dict()["fields"]["DATE"]["f1"] == round(report.fields["DATE"].f1, 4)


def test_the_real_world_table_names_each_type_and_its_target(report):
    from rich.console import Console

    console = Console(width=120, record=True)
    console.print(report.table())
    text = console.export_text()
    assert "real-world corpus: " in text and "labelled by hand" in text
    for kind in ("IBAN", "BIC", "ISIN", "LEI", "EMAIL", "AMOUNT", "DATE", "PHONE", "PERSON"):
        assert kind in text
    assert "messages read" in text and ("ok" in text or "MISSED" in text)
