"""Change management: approvals, deployment history, scoring evidence, emergency deadlines and
the row that serialises writers.

Existing pointers get a deployment row each, so history starts where the ledger stood.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("change_requests") as batch:
        batch.add_column(sa.Column("approvals_due_at", sa.String(40)))
    op.create_table(
        "approvals",
        sa.Column("approval_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("change_id", sa.Integer, nullable=False),
        sa.Column("approver", sa.String(200), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("decided_at", sa.String(40), nullable=False),
        sa.UniqueConstraint("change_id", "role", name="uq_approvals_change_role"),
    )
    deployments = op.create_table(
        "deployments",
        sa.Column("deployment_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("environment", sa.String(20), nullable=False),
        sa.Column("release_id", sa.String(80), nullable=False),
        sa.Column("change_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("previous_release_id", sa.String(80)),
        sa.Column("previous_change_id", sa.Integer),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_deployments_environment_at", "deployments", ["environment", "at"])
    op.create_table(
        "scoring_runs",
        sa.Column("scoring_run_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("environment", sa.String(20), nullable=False),
        sa.Column("release_id", sa.String(80), nullable=False),
        sa.Column("run_date", sa.String(10), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
    )
    op.create_index("ix_scoring_runs_release", "scoring_runs", ["environment", "release_id"])
    lock = op.create_table("ledger_lock", sa.Column("lock_id", sa.Integer, primary_key=True))
    op.bulk_insert(lock, [{"lock_id": 1}])
    existing = op.get_bind().execute(
        sa.text(
            "SELECT environment, release_id, change_id, deployed_by, deployed_at "
            "FROM environment_pointers ORDER BY deployed_at"
        )
    )
    op.bulk_insert(
        deployments,
        [
            {
                "environment": r.environment,
                "release_id": r.release_id,
                "change_id": r.change_id,
                "action": "deploy",
                "previous_release_id": None,
                "previous_change_id": None,
                "actor": r.deployed_by,
                "at": r.deployed_at,
                "reason": "deployed before the ledger kept deployment history",
            }
            for r in existing
        ],
    )


def downgrade() -> None:
    for table in ("ledger_lock", "scoring_runs", "deployments", "approvals"):
        op.drop_table(table)
    with op.batch_alter_table("change_requests") as batch:
        batch.drop_column("approvals_due_at")
