"""The release ledger on PostgreSQL: migrations, and many processes racing on it at once."""

import pytest
from ledger_race import check_invariants, race

pytestmark = pytest.mark.cluster


def test_concurrent_approvals_deployments_and_rollbacks_keep_the_ledger_consistent(
    postgres_ledger_url,
):
    outcomes = race(postgres_ledger_url, workers=8, rounds=25)
    deployed = sum(o["deployed"] for o in outcomes)
    rolled_back = sum(o["rolled_back"] for o in outcomes)
    refused = sum(o["refused"] for o in outcomes)
    print(f"8 processes x 25 changes: {deployed} deployed, {rolled_back} rolled back automatically, "
          f"{refused} refused")  # fmt: skip
    # How many changes get through depends on how the 8 processes interleave (a loaded machine
    # gave 3 of 200): the race must have deployed and refused some, and the invariants hold.
    assert deployed > 0 and refused > 0
    check_invariants(postgres_ledger_url)


def test_the_postgres_ledger_is_at_the_newest_migration_and_detects_a_hand_edit(
    postgres_ledger_url,
):
    from sqlalchemy import create_engine, text

    from lockgate.release.ledger import SCHEMA_REVISION, Ledger

    ledger = Ledger(postgres_ledger_url)
    engine = create_engine(postgres_ledger_url)
    with engine.begin() as conn:
        assert (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            == SCHEMA_REVISION
        )
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 5"))
    report = ledger.verify_audit()
    assert not report.intact and report.first_broken_seq == 5 and "edited" in report.problem
