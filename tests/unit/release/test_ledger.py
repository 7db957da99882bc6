"""The audit chain and change-state guards of the release ledger (SQLite)."""

import sqlite3
import subprocess
import sys

import pytest
from support import release_bundle

from lockgate.release.ledger import Ledger
from lockgate.release.schema import SCHEMA_REVISION


def _manager(ledger):
    from lockgate.config import ReleasePolicy
    from lockgate.release.changes import ChangeManager
    from lockgate.release.identity import Access

    return ChangeManager(ledger, lambda env: ReleasePolicy(), Access(), lambda bundle: None)


def _unprotect(db) -> None:
    """What the database file's owner can do: drop the append-only triggers."""
    for verb in ("update", "delete"):
        db.execute(f"DROP TRIGGER audit_log_no_{verb}")


@pytest.fixture
def ledger(tmp_path):
    ledger = Ledger(f"sqlite:///{tmp_path}/ledger.db")
    ledger.record_release("rel-1", release_bundle("abc"), "alice")
    manager = _manager(ledger)
    manager.deploy("bob", manager.open("alice", "normal", "test", "first", "rel-1"))
    return ledger, tmp_path / "ledger.db"


def test_intact_chain_verifies(ledger):
    led, _ = ledger
    report = led.verify_audit()
    assert report.intact and report.entries == 6
    assert [e["action"] for e in led.audit_entries()] == [
        "release.built",
        "change.opened",
        "change.approved",
        "change.deploying",
        "deployment.deploy",
        "change.deployed",
    ]
    assert led.pointer("test").release_id == "rel-1"


def test_edited_entry_is_named(ledger):
    led, path = ledger
    with sqlite3.connect(path) as db:
        _unprotect(db)
        db.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    report = led.verify_audit()
    assert not report.intact and report.first_broken_seq == 2 and "edited" in report.problem


def test_deleted_entry_is_named(ledger):
    led, path = ledger
    with sqlite3.connect(path) as db:
        _unprotect(db)
        db.execute("DELETE FROM audit_log WHERE seq = 3")
    report = led.verify_audit()
    assert not report.intact and report.first_broken_seq == 4


def test_reordered_entries_are_detected(ledger):
    led, path = ledger
    with sqlite3.connect(path) as db:
        _unprotect(db)
        db.execute("UPDATE audit_log SET seq = 100 WHERE seq = 2")
        db.execute("UPDATE audit_log SET seq = 2 WHERE seq = 3")
        db.execute("UPDATE audit_log SET seq = 3 WHERE seq = 100")
    report = led.verify_audit()
    assert not report.intact and report.first_broken_seq == 2


def test_recording_the_same_release_twice_is_a_no_op(ledger):
    led, _ = ledger
    assert led.record_release("rel-1", release_bundle(""), "carol") is False
    assert led.release("rel-1")["created_by"] == "alice"


def test_many_processes_leave_one_release_per_environment_and_an_intact_chain(tmp_path):
    from ledger_race import check_invariants, race

    url = f"sqlite:///{tmp_path}/race.db"
    outcomes = race(url, workers=4, rounds=15)
    assert sum(o["deployed"] for o in outcomes) > 0
    check_invariants(url)


def test_schema_revision_is_the_newest_migration():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from lockgate.release.schema import MIGRATIONS, SCHEMA_REVISION

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_REVISION


def _open_without_alembic(url: str) -> subprocess.CompletedProcess:
    """Open the ledger at `url` in a process where Alembic cannot be imported, as in a Spark
    driver on YARN, whose packed environment has no Alembic."""
    script = (
        "import sys; sys.modules['alembic'] = None\n"
        "from lockgate.release.ledger import Ledger\n"
        f"print(len(Ledger({url!r}).audit_entries()))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )


def test_a_migrated_ledger_opens_where_alembic_is_missing(ledger):
    _, path = ledger
    opened = _open_without_alembic(f"sqlite:///{path}")
    assert opened.returncode == 0, opened.stderr
    assert int(opened.stdout) >= 1


def test_an_unmigrated_ledger_without_alembic_is_refused_with_what_to_do(tmp_path):
    opened = _open_without_alembic(f"sqlite:///{tmp_path}/fresh.db")
    assert opened.returncode != 0
    assert "is not at schema revision" in opened.stderr
    assert "open it once from the Airflow host" in opened.stderr


def test_a_ledger_from_before_migrations_is_upgraded_with_its_history(tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:  # the schema and rows as lockgate wrote them before 0002
        db.executescript("""
            CREATE TABLE releases (release_id VARCHAR(80) PRIMARY KEY, bundle TEXT NOT NULL,
                created_at VARCHAR(40) NOT NULL, created_by VARCHAR(200) NOT NULL);
            CREATE TABLE change_requests (change_id INTEGER PRIMARY KEY, kind VARCHAR(20) NOT NULL,
                environment VARCHAR(20) NOT NULL, release_id VARCHAR(80) NOT NULL,
                state VARCHAR(20) NOT NULL, author VARCHAR(200) NOT NULL, reason TEXT NOT NULL,
                created_at VARCHAR(40) NOT NULL, updated_at VARCHAR(40) NOT NULL);
            CREATE TABLE environment_pointers (environment VARCHAR(20) PRIMARY KEY,
                release_id VARCHAR(80) NOT NULL, change_id INTEGER NOT NULL,
                deployed_by VARCHAR(200) NOT NULL, deployed_at VARCHAR(40) NOT NULL);
            CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, ts VARCHAR(40) NOT NULL,
                actor VARCHAR(200) NOT NULL, action VARCHAR(60) NOT NULL, environment VARCHAR(20),
                subject VARCHAR(200) NOT NULL, payload TEXT NOT NULL, prev_hash VARCHAR(64) NOT NULL,
                hash VARCHAR(64) NOT NULL);
            INSERT INTO releases VALUES ('rel-old', 'release_bundle("")', 't0', 'alice');
            INSERT INTO change_requests VALUES (1, 'normal', 'test', 'rel-old', 'deployed', 'alice',
                'old', 't0', 't0');
            INSERT INTO environment_pointers VALUES ('test', 'rel-old', 1, 'bob',
                '2026-11-01T00:00:00.000000+00:00');
        """)
    ledger = Ledger(f"sqlite:///{path}")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [
            (SCHEMA_REVISION,)
        ]
    assert [(d["release_id"], d["actor"]) for d in ledger.deployments("test")] == [
        ("rel-old", "bob")
    ]
    assert ledger.change(1)["approvals_due_at"] is None and ledger.pointer("test").change_id == 1
