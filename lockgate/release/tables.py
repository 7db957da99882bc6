"""The ledger's tables (SQLAlchemy Core). Their schema changes only through a migration
(`lockgate.release.schema`); a unit test holds the two equal."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, UniqueConstraint

metadata = MetaData()
releases = Table(
    "releases",
    metadata,
    Column("release_id", String(80), primary_key=True),
    Column("bundle", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
)
changes = Table(
    "change_requests",
    metadata,
    Column("change_id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),
    Column("environment", String(20), nullable=False),
    Column("release_id", String(80), nullable=False),
    Column("state", String(20), nullable=False),
    Column("author", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    # Emergency changes: when the roles that did not approve before deployment are due.
    Column("approvals_due_at", String(40)),
    # A deploying change: the process deploying it (host, boot, pid, start time) and until when
    # it holds the change; a change whose process is gone is recovered (`ChangeManager.recover`).
    Column("deploy_owner", String(200)),
    Column("deploy_lease_until", String(40)),
)
approvals = Table(
    "approvals",
    metadata,
    Column("approval_id", Integer, primary_key=True, autoincrement=True),
    Column("change_id", Integer, nullable=False),
    Column("approver", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("decision", String(10), nullable=False),  # approve | reject
    Column("comment", Text, nullable=False),
    Column("decided_at", String(40), nullable=False),
    UniqueConstraint("change_id", "role", name="uq_approvals_change_role"),
)
pointers = Table(
    "environment_pointers",
    metadata,
    Column("environment", String(20), primary_key=True),
    Column("release_id", String(80), nullable=False),
    Column("change_id", Integer, nullable=False),
    Column("deployed_by", String(200), nullable=False),
    Column("deployed_at", String(40), nullable=False),
)
deployments = Table(
    "deployments",
    metadata,
    Column("deployment_id", Integer, primary_key=True, autoincrement=True),
    Column("environment", String(20), nullable=False),
    Column("release_id", String(80), nullable=False),
    Column("change_id", Integer, nullable=False),
    Column("action", String(20), nullable=False),  # deploy | rollback | auto_rollback
    Column("previous_release_id", String(80)),
    Column("previous_change_id", Integer),
    Column("actor", String(200), nullable=False),
    Column("at", String(40), nullable=False),
    Column("reason", Text, nullable=False),
)
scoring_runs = Table(
    "scoring_runs",
    metadata,
    Column("scoring_run_id", Integer, primary_key=True, autoincrement=True),
    Column("environment", String(20), nullable=False),
    Column("release_id", String(80), nullable=False),
    Column("run_date", String(10), nullable=False),
    Column("status", String(10), nullable=False),  # passed | failed
    Column("detail", Text, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Column("recorded_at", String(40), nullable=False),
)
lock = Table("ledger_lock", metadata, Column("lock_id", Integer, primary_key=True))
audit = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("ts", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(60), nullable=False),
    Column("environment", String(20)),
    Column("subject", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
# One signature per audit entry (release/anchor.py); both tables refuse UPDATE and DELETE.
checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("hash", String(64), nullable=False),
    Column("ts", String(40), nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("signature", String(128), nullable=False),
)
