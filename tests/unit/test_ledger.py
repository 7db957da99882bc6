"""The audit chain and change-state guards of the release ledger (SQLite)."""

import sqlite3

import pytest

from lockgate.release.ledger import IllegalTransition, Ledger


@pytest.fixture
def ledger(tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path}/ledger.db")
    ledger.record_release("rel-1", {"models": [], "code": {"commit": "abc"}}, "alice")
    change = ledger.open_change("normal", "test", "rel-1", "alice", "first")
    ledger.set_change_state(change, "open", "approved", "bob", {"rule": "test"})
    ledger.move_pointer(change, "bob")
    return ledger, tmp_path / "ledger.db"


def test_intact_chain_verifies(ledger):
    led, _ = ledger
    report = led.verify_audit()
    assert report.intact and report.entries == 4
    assert [e["action"] for e in led.audit_entries()] == [
        "release.built", "change.opened", "change.approved", "deployment.completed"]  # fmt: skip
    assert led.pointer("test")["release_id"] == "rel-1"


def test_edited_entry_is_named(ledger):
    led, path = ledger
    with sqlite3.connect(path) as db:
        db.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    report = led.verify_audit()
    assert not report.intact and report.first_broken_seq == 2 and "edited" in report.problem


def test_deleted_entry_is_named(ledger):
    led, path = ledger
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM audit_log WHERE seq = 3")
    report = led.verify_audit()
    assert not report.intact and report.first_broken_seq == 4


def test_reordered_entries_are_detected(ledger):
    led, path = ledger
    with sqlite3.connect(path) as db:
        db.execute("UPDATE audit_log SET seq = 100 WHERE seq = 2")
        db.execute("UPDATE audit_log SET seq = 2 WHERE seq = 3")
        db.execute("UPDATE audit_log SET seq = 3 WHERE seq = 100")
    report = led.verify_audit()
    assert not report.intact and report.first_broken_seq == 2


def test_illegal_transitions_are_refused(ledger):
    led, _ = ledger
    change = led.open_change("normal", "prod", "rel-1", "alice", "to prod")
    with pytest.raises(IllegalTransition, match="not 'approved'"):
        led.set_change_state(change, "approved", "deployed", "bob", {})
    with pytest.raises(IllegalTransition, match="not approved"):
        led.move_pointer(change, "bob")
    assert led.pointer("prod") is None
    assert led.verify_audit().intact


def test_recording_the_same_release_twice_is_a_no_op(ledger):
    led, _ = ledger
    assert led.record_release("rel-1", {"models": [], "code": {}}, "carol") is False
    assert led.release("rel-1")["created_by"] == "alice"
