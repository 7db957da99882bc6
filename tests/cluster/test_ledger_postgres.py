"""The release ledger on PostgreSQL: migrations, many processes racing on it at once, and the
tamper scenarios of the SQLite suite (tests/ledger_tamper.py), each in a schema of its own."""

import itertools

import pytest
from ledger_race import check_invariants, race
from ledger_tamper import (  # noqa: F401 - the shared tamper tests run here on PostgreSQL
    Tamper,
    test_a_chain_resigned_with_another_key_shows_against_a_kept_public_key,
    test_editing_a_state_table_shows,
    test_tampering_with_the_chain_shows,
)
from sqlalchemy import create_engine, text

pytestmark = pytest.mark.cluster


def test_concurrent_approvals_deployments_and_rollbacks_keep_the_ledger_consistent(
    postgres_ledger_url,
):
    outcomes = race(postgres_ledger_url, workers=8, rounds=25)
    deployed = sum(o["deployed"] for o in outcomes)
    rolled_back = sum(o["rolled_back"] for o in outcomes)
    refused = sum(o["refused"] for o in outcomes)
    print(
        f"8 processes x 25 changes: {deployed} deployed, {rolled_back} rolled back automatically, "
        f"{refused} refused"
    )
    # How many changes get through depends on how the 8 processes interleave (a loaded machine
    # gave 3 of 200): the race must have deployed and refused some, and the invariants hold.
    assert deployed > 0 and refused > 0
    check_invariants(postgres_ledger_url)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 5",
        "DELETE FROM audit_log WHERE seq = 5",
        "TRUNCATE audit_log",
        "DELETE FROM audit_checkpoints",
        "ALTER TABLE audit_log DISABLE TRIGGER USER",
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "UPDATE alembic_version SET version_num = '0001'",
        "CREATE TABLE audit_log_copy (x int)",
    ],
)
def test_lockgate_s_own_role_cannot_rewrite_the_audit_log(postgres_ledger_url, statement):
    """lockgate connects as a role that may insert into the audit log, never change it: not
    even with the triggers' help switched off (it does not own the tables)."""
    from lockgate.release.ledger import Ledger

    Ledger(postgres_ledger_url)
    with pytest.raises(Exception, match="permission denied|must be owner"):
        with create_engine(postgres_ledger_url).begin() as conn:
            conn.execute(text(statement))


def test_the_postgres_ledger_is_at_the_newest_migration_and_detects_a_hand_edit(
    postgres_ledger_url, postgres_owner_url
):
    from lockgate.release.ledger import Ledger
    from lockgate.release.schema import SCHEMA_REVISION

    ledger = Ledger(postgres_ledger_url)
    engine = create_engine(postgres_owner_url)
    with engine.begin() as conn:
        assert (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            == SCHEMA_REVISION
        )
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 5"))
    with engine.begin() as conn:  # as the tables' owner: switch the trigger off, then edit
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 5"))
        conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    report = ledger.verify_audit()
    assert not report.intact and report.first_broken_seq == 5 and "edited" in report.problem


_schemas = itertools.count(1)


@pytest.fixture
def tamper(postgres_owner_url, tmp_path):
    """A ledger with history in a schema of its own (search_path), as the role that owns it,
    who can switch the triggers off; and a home for its key."""
    schema = f"tamper_{next(_schemas)}"
    with create_engine(postgres_owner_url).begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    return Tamper(f"{postgres_owner_url}?options=-csearch_path%3D{schema}", tmp_path / "home")
