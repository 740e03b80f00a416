"""Test databases: a fresh SQLite file per test, or a wiped PostgreSQL schema per test."""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text

from store.db import make_engine
from store.migrate import upgrade
from store.tables import metadata

POSTGRES_URL = os.environ.get("SEATKEEPER_TEST_DATABASE_URL")
_migrated: set[str] = set()


def fresh_database_url(tmp_path: Path) -> str:
    """A database URL with the current schema and no rows."""
    if not POSTGRES_URL:
        return f"sqlite:///{tmp_path / 'seatkeeper.db'}"
    engine = make_engine(POSTGRES_URL)
    try:
        if POSTGRES_URL not in _migrated:
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            upgrade(engine)
            _migrated.add(POSTGRES_URL)
        _end_other_sessions(engine)
        names = ", ".join(table.name for table in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '30s'"))
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()
    return POSTGRES_URL


def _end_other_sessions(engine: Engine) -> None:
    """End the sessions an earlier test left on the database (a server thread or process
    still holding a transaction), which would make the TRUNCATE wait for them forever."""
    with engine.begin() as connection:
        left = connection.execute(
            text(
                "SELECT pg_terminate_backend(pid), application_name, state, left(query, 200)"
                " FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND backend_type = 'client backend' AND state <> 'idle'"
            )
        ).all()
    for _, application, state, query in left:
        warnings.warn(
            f"an earlier test left a session {state} on the test database"
            f" ({application or 'no application name'}): {query}",
            stacklevel=2,
        )


def rows_of(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in metadata.sorted_tables
        }
