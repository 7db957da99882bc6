"""The ledger's migrations build exactly the tables its code declares (lockgate.release.tables)."""

from sqlalchemy import create_engine, inspect

from lockgate.release.schema import migrate
from lockgate.release.tables import metadata


def test_the_migrations_build_the_tables_the_code_declares(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'ledger.db'}")
    migrate(engine)
    inspector = inspect(engine)
    built = set(inspector.get_table_names()) - {"alembic_version"}
    assert built == set(metadata.tables)
    for table in metadata.sorted_tables:
        columns = {c["name"]: c["nullable"] for c in inspector.get_columns(table.name)}
        assert columns == {c.name: c.nullable for c in table.columns}, table.name
    engine.dispose()
