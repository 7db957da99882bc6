"""The ledger's schema migrations (Alembic scripts in `lockgate/release/migrations`)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ProgrammingError

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest revision in MIGRATIONS (a unit test holds them equal). Checked before Alembic is
# loaded, so that code running from the job zip in a YARN container, where Alembic cannot read
# its scripts, opens an already migrated ledger without needing them.
SCHEMA_REVISION = "0003"


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision.

    A ledger created before migrations existed (tables, no alembic_version) is stamped at the
    first revision, which describes exactly that schema, and upgraded from there.
    """
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":  # one migrating process at a time
            conn.execute(text("SELECT pg_advisory_xact_lock(7240511)"))
        tables = inspect(conn).get_table_names()
        # Read with plain SQL: a Spark driver on YARN has no Alembic (the executors' packed
        # environment carries only what jobs import) and must open a migrated ledger.
        if "alembic_version" in tables:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if current == SCHEMA_REVISION:
                return
        try:
            from alembic import command
            from alembic.config import Config
        except ImportError as missing:
            raise RuntimeError(
                f"the ledger at {engine.url.render_as_string(hide_password=True)} is not at "
                f"schema revision {SCHEMA_REVISION} and this process has no Alembic to migrate "
                "it; open it once from the Airflow host (`lockgate status`), where it migrates"
            ) from missing

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = conn
        if "releases" in tables and "alembic_version" not in tables:
            command.stamp(config, "0001")
        try:
            command.upgrade(config, "head")
        except ProgrammingError as exc:
            if "permission denied" not in str(exc) and "must be owner" not in str(exc):
                raise
            raise RuntimeError(
                f"the ledger at {engine.url.render_as_string(hide_password=True)} is not at "
                f"schema revision {SCHEMA_REVISION}, and {engine.url.username} may not change "
                "its schema (its owner does): run `infra/postgres/postgres start`, which "
                "migrates it as lockgate_ledger_owner"
            ) from exc
