"""The ledger as first shipped: releases, change requests, environment pointers, audit log.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "releases",
        sa.Column("release_id", sa.String(80), primary_key=True),
        sa.Column("bundle", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "change_requests",
        sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("environment", sa.String(20), nullable=False),
        sa.Column("release_id", sa.String(80), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "environment_pointers",
        sa.Column("environment", sa.String(20), primary_key=True),
        sa.Column("release_id", sa.String(80), nullable=False),
        sa.Column("change_id", sa.Integer, nullable=False),
        sa.Column("deployed_by", sa.String(200), nullable=False),
        sa.Column("deployed_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("ts", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("environment", sa.String(20)),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    for table in ("audit_log", "environment_pointers", "change_requests", "releases"):
        op.drop_table(table)
