"""Migrate a PostgreSQL ledger as the role that owns its schema.

On PostgreSQL the ledger's tables belong to `lockgate_ledger_owner`, and lockgate itself
connects as `lockgate`, which may insert into the audit log and its signatures but not update,
delete, truncate them or touch their triggers. So schema changes are made here, by
`infra/postgres/postgres start`, with the owner's URL in LOCKGATE_LEDGER_OWNER_URL (never on a
command line, where `ps` shows it).
"""

from __future__ import annotations

import os

from sqlalchemy import create_engine

from lockgate.release.schema import migrate


def main() -> None:
    engine = create_engine(os.environ["LOCKGATE_LEDGER_OWNER_URL"])
    try:
        migrate(engine)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
