"""Schema migrations with Alembic, run in code (no alembic.ini to find)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x5EA7_6EE9_0001  # the advisory lock key every replica migrates under


def _alembic() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database schema up to `revision` (the newest by default), one caller at a time."""
    config = _alembic()
    with engine.begin() as connection:
        _serialise(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def _serialise(connection: Connection) -> None:
    # Replicas starting together must not migrate side by side (CREATE TABLE and the version
    # row collide): on PostgreSQL the first takes this lock until its transaction commits and
    # the others then find the schema current. SQLite's BEGIN IMMEDIATE (store.db) already
    # lets one writer in at a time.
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})


def is_current(engine: Engine) -> bool:
    """True when the database is at the newest revision."""
    head = ScriptDirectory.from_config(_alembic()).get_current_head()
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision() == head


def revision(engine: Engine, message: str) -> None:
    """Write a new migration from the difference between the tables and the database."""
    config = _alembic()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
