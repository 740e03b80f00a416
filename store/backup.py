"""A consistent copy of a SQLite database while it is in use (SQLite's online backup).

Copying the file alone can lose what is still in its write-ahead log, or catch a write half
done; the backup API copies pages under SQLite's own locks.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import cast

from sqlalchemy import Engine


class BackupRefused(Exception):
    """The database cannot be backed up this way; the message says what to do instead."""


def backup_sqlite(engine: Engine, target: Path) -> int:
    """Copy the SQLite database behind `engine` to a new file `target`; return its pages."""
    if engine.dialect.name != "sqlite":
        raise BackupRefused(
            f"this is a {engine.dialect.name} database: back it up with its own tools "
            "(pg_dump for PostgreSQL; see the README's backup notes)"
        )
    _refuse_missing_source(engine.url.database)
    if target.exists():
        raise BackupRefused(f"{target} exists already; name a new file")
    if not target.parent.is_dir():
        raise BackupRefused(f"the folder {target.parent} does not exist; create it first")
    raw = engine.raw_connection()
    try:
        source = cast(sqlite3.Connection, raw.driver_connection)
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
            pages = destination.execute("PRAGMA page_count").fetchone()[0]
        finally:
            destination.close()
    finally:
        raw.close()
    return int(pages)


def _refuse_missing_source(database: str | None) -> None:
    # Connecting to a SQLite file that is not there would create an empty one and "back it up".
    if not database or database == ":memory:":
        raise BackupRefused("an in-memory database cannot be backed up; it ends with its process")
    if not Path(database).is_file():
        raise BackupRefused(
            f"the database {database} does not exist; check SEATKEEPER_DATABASE_URL "
            "and the folder this runs in"
        )
