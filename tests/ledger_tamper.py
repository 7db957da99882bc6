"""Tampering with a ledger as someone who can write its database would: the audit log's own
triggers first, then (as the schema's owner, who can switch them off) truncation, appended
forgeries, a re-hashed chain, and direct edits of each state table. Used against SQLite (unit
suite) and PostgreSQL (cluster suite); each scenario gets a ledger and a home of its own."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from support import release_bundle

from lockgate.config import ReleasePolicy
from lockgate.release.anchor import Anchor, Verifier
from lockgate.release.chain import GENESIS_HASH, entry_hash
from lockgate.release.changes import ChangeManager
from lockgate.release.identity import Access
from lockgate.release.integrity import disagreements
from lockgate.release.ledger import Ledger

ROLES = ("model-owner", "risk", "operations")
POLICIES = {
    "test": ReleasePolicy(),
    "prod": ReleasePolicy(required_approver_roles=list(ROLES), soak_environment=None),
}
ACCESS = Access({role: frozenset({f"os:{role}"}) for role in ROLES})


class Tamper:
    """A ledger with history, and raw SQL on its database as its owner."""

    def __init__(self, url: str, home: Path):
        self.url, self.home = url, home
        self.anchor = Anchor(home / "audit")
        self.ledger = Ledger(url, anchor=self.anchor)
        self.engine = create_engine(url)
        manager = ChangeManager(self.ledger, POLICIES.__getitem__, ACCESS, lambda bundle: None)
        for release in ("rel-1", "rel-2"):
            self.ledger.record_release(release, release_bundle(release), "ci")
        manager.deploy("os:ci", manager.open("os:ci", "normal", "test", "first", "rel-1"))
        self.ledger.record_scoring_run("test", "rel-1", "2026-11-20", True, "1 model", "os:ci")
        prod = manager.open("os:ci", "normal", "prod", "to prod", "rel-1")
        for role in ROLES:
            manager.approve(f"os:{role}", prod, role)
        manager.deploy("os:operations", prod)
        manager.deploy("os:ci", manager.open("os:ci", "normal", "test", "second", "rel-2"))
        assert self.verdict().intact and not disagreements(self.ledger)

    def sql(self, statement: str, **params) -> list:
        with self.engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return list(result) if result.returns_rows else []

    def unprotect(self) -> None:
        """What the owner of the schema can do: switch the append-only triggers off."""
        for table in ("audit_log", "audit_checkpoints"):
            if self.engine.dialect.name == "postgresql":
                self.sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            else:
                for verb in ("update", "delete"):
                    self.sql(f"DROP TRIGGER {table}_no_{verb}")

    def entries(self) -> list[dict]:
        return self.ledger.audit_entries()

    def rewrite(self, entries: list[dict]) -> None:
        """Replace the log by `entries`, each re-hashed and linked as a correct chain."""
        self.sql("DELETE FROM audit_log")
        previous = GENESIS_HASH
        for entry in entries:
            entry = dict(entry, prev_hash=previous)
            entry["hash"] = previous = entry_hash(entry)
            self.sql(
                "INSERT INTO audit_log (seq, ts, actor, action, environment, subject, payload, "
                "prev_hash, hash) VALUES (:seq, :ts, :actor, :action, :environment, :subject, "
                ":payload, :prev_hash, :hash)",
                **entry,
            )

    def rewrite_one(self, index: int, **changes):
        """Edit the entry at `index`, re-hash the chain from there, and return the verdict."""
        entries = self.entries()
        entries[index] = dict(entries[index], **changes)
        self.unprotect()
        self.rewrite(entries)
        return self.verdict()

    def verdict(self, verifier: Verifier | None = None):
        return self.ledger.verify_audit(verifier)


def _refused(tamper: Tamper, statement: str) -> None:
    with pytest.raises(Exception, match="append-only"):
        tamper.sql(statement)


def triggers_refuse_update_and_delete(t: Tamper) -> None:
    _refused(t, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    _refused(t, "DELETE FROM audit_log WHERE seq = 1")
    _refused(t, "UPDATE audit_checkpoints SET signature = '00' WHERE seq = 2")
    _refused(t, "DELETE FROM audit_checkpoints")
    if t.engine.dialect.name == "postgresql":
        _refused(t, "TRUNCATE audit_log")
    assert t.verdict().intact


def truncation_shows(t: Tamper) -> None:
    count = len(t.entries())
    t.unprotect()
    t.sql("DELETE FROM audit_log WHERE seq > :keep", keep=count - 2)
    verdict = t.verdict()
    assert not verdict.intact and "truncated" in verdict.problem


def truncation_with_its_signatures_shows(t: Tamper) -> None:
    count = len(t.entries())
    t.unprotect()
    t.sql("DELETE FROM audit_log WHERE seq > :keep", keep=count - 2)
    t.sql("DELETE FROM audit_checkpoints WHERE seq > :keep", keep=count - 2)
    verdict = t.verdict()
    assert not verdict.intact and verdict.head_seq == count and "truncated" in verdict.problem


def appended_forgery_shows(t: Tamper) -> None:
    entries = t.entries()
    forged = dict(
        entries[-1],
        seq=len(entries) + 1,
        actor="os:mallory",
        action="change.approve",
        payload=json.dumps({"role": "risk", "comment": ""}),
    )
    forged["prev_hash"] = entries[-1]["hash"]
    forged["hash"] = entry_hash(forged)
    t.sql(
        "INSERT INTO audit_log (seq, ts, actor, action, environment, subject, payload, "
        "prev_hash, hash) VALUES (:seq, :ts, :actor, :action, :environment, :subject, "
        ":payload, :prev_hash, :hash)",
        **forged,
    )
    verdict = t.verdict()
    assert not verdict.intact and verdict.first_broken_seq == len(entries) + 1
    assert "not signed" in verdict.problem


def rehashed_chain_shows(t: Tamper) -> None:
    verdict = t.rewrite_one(3, actor="os:mallory")
    assert not verdict.intact and verdict.first_broken_seq == 4 and "re-hashed" in verdict.problem


def resigned_with_another_key_shows(t: Tamper, elsewhere: Path) -> None:
    """The attacker re-hashes, re-signs with a key of their own and replaces the installation's
    public key: checked against a copy of the public key kept elsewhere, it shows."""
    kept = Verifier.from_file(t.anchor.public_key_path)
    t.rewrite_one(3, actor="os:mallory")
    theirs = Anchor(elsewhere)
    t.sql("DELETE FROM audit_checkpoints")
    for entry in t.entries():
        t.sql(
            "INSERT INTO audit_checkpoints (seq, hash, ts, key_id, signature) VALUES "
            "(:seq, :hash, :ts, :key_id, :signature)",
            **theirs.sign(entry["seq"], entry["hash"], entry["ts"]),
        )
    (t.home / "audit" / "head.json").unlink()
    shutil.copy(theirs.public_key_path, t.anchor.public_key_path)
    assert t.verdict().intact  # the installation's own key was replaced: it cannot tell
    verdict = t.verdict(kept)
    assert not verdict.intact and "signed with key" in verdict.problem


def time_going_back_shows(t: Tamper) -> None:
    verdict = t.rewrite_one(4, ts="2020-01-01T00:00:00.000000+00:00")
    assert not verdict.intact and verdict.first_broken_seq == 5 and "before" in verdict.problem


STATE_EDITS: dict[str, tuple[str, str]] = {
    "approval added": (
        "INSERT INTO approvals (change_id, approver, role, decision, comment, decided_at) "
        "VALUES (3, 'os:mallory', 'risk', 'approve', '', '2026-12-01T00:00:00.000000+00:00')",
        "approvals: change 3 has a approve by os:mallory",
    ),
    "approval changed hands": (
        "UPDATE approvals SET approver = 'os:mallory' WHERE role = 'risk'",
        "approvals: change 2 has a approve by os:mallory as risk",
    ),
    "pointer moved": (
        "UPDATE environment_pointers SET release_id = 'rel-2' WHERE environment = 'prod'",
        "environment_pointers: prod points at rel-2",
    ),
    "pointer inserted": (
        "INSERT INTO environment_pointers (environment, release_id, change_id, deployed_by, "
        "deployed_at) VALUES ('dev', 'rel-2', 99, 'os:mallory', '2026-12-01T00:00:00+00:00')",
        "environment_pointers: dev points at rel-2 (change 99); the audit log has no release",
    ),
    "deployment deleted": (
        "DELETE FROM deployments WHERE environment = 'test' AND release_id = 'rel-1'",
        "deployments: test has 1 pointer move(s), the audit log 2",
    ),
    "deployment re-dated": (
        "UPDATE deployments SET at = '2026-01-01T00:00:00.000000+00:00' WHERE environment = 'prod'",
        "deployments: move 1 in prod",
    ),
    "change state edited": (
        "UPDATE change_requests SET state = 'approved' WHERE change_id = 3",
        "change_requests: change 3 has state='approved', the audit log says 'deployed'",
    ),
    "scoring run added": (
        "INSERT INTO scoring_runs (environment, release_id, run_date, status, detail, "
        "recorded_by, recorded_at) VALUES ('test', 'rel-1', '2026-11-21', 'passed', 'x', "
        "'os:ci', '2026-11-21T00:00:00+00:00')",
        "scoring_runs: a passed run of rel-1 in test on 2026-11-21",
    ),
    "bundle edited": (
        "UPDATE releases SET bundle = 'release_bundle(\"evil\")' WHERE release_id = 'rel-2'",
        "releases: the bundle of rel-2 is not the one built",
    ),
}


def state_edit_shows(t: Tamper, edit: str) -> None:
    statement, expected = STATE_EDITS[edit]
    t.sql(statement)
    found = [str(item) for item in disagreements(t.ledger)]
    assert any(expected in line for line in found), found
    assert t.verdict().intact  # the chain itself is untouched: the state check is what shows


CHAIN_SCENARIOS: dict[str, Callable] = {
    "triggers": triggers_refuse_update_and_delete,
    "truncation": truncation_shows,
    "truncation with signatures": truncation_with_its_signatures_shows,
    "appended forgery": appended_forgery_shows,
    "re-hashed chain": rehashed_chain_shows,
    "time going back": time_going_back_shows,
}


# The tests themselves, imported by the SQLite (unit) and PostgreSQL (cluster) modules, each of
# which provides the `tamper` fixture on its database.
@pytest.mark.parametrize("scenario", CHAIN_SCENARIOS)
def test_tampering_with_the_chain_shows(tamper, scenario):
    CHAIN_SCENARIOS[scenario](tamper)


@pytest.mark.parametrize("edit", STATE_EDITS)
def test_editing_a_state_table_shows(tamper, edit):
    state_edit_shows(tamper, edit)


def test_a_chain_resigned_with_another_key_shows_against_a_kept_public_key(tamper, tmp_path):
    resigned_with_another_key_shows(tamper, tmp_path / "mallory")
