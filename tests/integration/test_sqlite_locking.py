"""SQLite specifics: the health check never waits for a writer."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from store.db import make_engine, ping


def test_the_health_check_answers_while_another_connection_holds_the_write_lock(
    tmp_path: Path,
) -> None:
    path = tmp_path / "locked.db"
    engine = make_engine(f"sqlite:///{path}")
    ping(engine)
    outcome: list[str] = []

    def check() -> None:
        try:
            ping(engine)
            outcome.append("answered")
        except Exception as exc:  # a locking ping fails with "database is locked"
            outcome.append(repr(exc))

    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        thread = threading.Thread(target=check)
        thread.start()
        thread.join(timeout=60)
        assert outcome == ["answered"]  # while the writer still holds the lock
    finally:
        writer.execute("ROLLBACK")
        writer.close()
        engine.dispose()
