"""The anchored audit log on SQLite: signatures, the published head, append-only triggers, and
the state tables checked against the log (tests/ledger_tamper.py; the cluster suite runs the
same scenarios on PostgreSQL)."""

import os
import stat

import pytest
from ledger_tamper import (  # noqa: F401 - the shared tamper tests run here on SQLite
    Tamper,
    test_a_chain_resigned_with_another_key_shows_against_a_kept_public_key,
    test_editing_a_state_table_shows,
    test_tampering_with_the_chain_shows,
)

from lockgate.config.secrets import UnsafeSecret
from lockgate.release.anchor import Anchor
from lockgate.release.ledger import Ledger


@pytest.fixture
def tamper(tmp_path):
    return Tamper(f"sqlite:///{tmp_path}/ledger.db", tmp_path / "home")


def test_the_signing_key_is_private_and_refused_once_others_can_read_it(tamper):
    key = tamper.home / "audit" / "audit-signing.key"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    key.chmod(0o644)
    ledger = Ledger(tamper.url, anchor=Anchor(tamper.home / "audit"))
    with pytest.raises(UnsafeSecret, match="mode 0644"):
        ledger.record_event("os:ci", "note", "x", {})


def test_a_symlinked_signing_key_is_refused(tamper, tmp_path):
    key = tamper.home / "audit" / "audit-signing.key"
    elsewhere = tmp_path / "elsewhere.key"
    key.rename(elsewhere)
    key.symlink_to(elsewhere)
    ledger = Ledger(tamper.url, anchor=Anchor(tamper.home / "audit"))
    with pytest.raises(UnsafeSecret, match="symbolic link"):
        ledger.record_event("os:ci", "note", "x", {})


def test_ledger_time_never_goes_back_even_when_the_clock_does(tmp_path):
    from datetime import UTC, datetime

    moments = iter([datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)])
    ledger = Ledger(
        f"sqlite:///{tmp_path}/l.db", clock=lambda: next(moments), anchor=Anchor(tmp_path / "audit")
    )
    ledger.record_event("os:ci", "first", "x", {})
    ledger.record_event("os:ci", "second", "x", {})
    first, second = ledger.audit_entries()
    assert second["ts"] == first["ts"] == "2026-12-01T00:00:00.000000+00:00"
    assert ledger.verify_audit().intact


def test_an_unsigned_ledger_reports_that_it_is_not_anchored(tmp_path):
    url = f"sqlite:///{tmp_path}/l.db"
    Ledger(url).record_event("os:ci", "before anchoring", "x", {})
    anchored = Ledger(url, anchor=Anchor(tmp_path / "audit"))
    assert not anchored.verify_audit().anchored  # no key yet: nothing signed
    anchored.record_event("os:ci", "after", "x", {})
    report = anchored.verify_audit()  # the first signature covers what came before it
    assert report.intact and report.anchored and report.head_seq == 2


def test_a_process_without_the_key_does_not_start_a_chain_of_its_own(tamper, tmp_path):
    """A container on another host sees the database but not the installation's key: it may
    not sign with a key it makes up, and says where the writing belongs."""
    elsewhere = Ledger(tamper.url, anchor=Anchor(tmp_path / "another-host"))
    with pytest.raises(RuntimeError, match="has no signing key"):
        elsewhere.record_event("os:ci", "note", "x", {})
    assert not (tmp_path / "another-host" / "audit-signing.key").exists()
    assert tamper.verdict().intact
