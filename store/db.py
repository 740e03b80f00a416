"""Engines and sessions: SQLite (WAL, one writer at a time) by default, PostgreSQL by URL."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from store.orm import start_mappers

# SQLite hands a freed write lock to whoever asks first, and a writer waiting in its busy
# handler asks again only every 100 ms at most: a job that commits and begins again at once
# can keep everyone else waiting indefinitely. Long jobs leave the lock free this long between
# their transactions.
SQLITE_WRITER_GAP = 0.1
# Connections kept open: one for each thread that may hold one at once in `serve` (16 Slack
# request threads, 4 job-worker threads, the lease heartbeat and the scheduler), so no request
# waits for a connection; the overflow covers REST API and health checks at a peak.
SQLITE_BUSY_SECONDS = 10.0  # how long a writer waits for the write lock before giving up
LOCKED = "database is locked"  # what SQLite says then (a conflict: the runner retries)
_TURN = "seatkeeper_writer_turn"  # in a connection's info while it holds this process's turn
READ_ONLY = "seatkeeper_read_only"  # an execution option: the transaction only reads
POOL_SIZE = 24
POOL_OVERFLOW = 16
# A PostgreSQL connection taken from the pool is tested with a round trip only when it sat
# unused this long (a restarted server or a dropped link shows on those); one back within
# seconds is used as it is. A ping at every checkout was a fifth of an Approve's round trips.
PING_AFTER_IDLE = 5.0
_IDLE_SINCE = "seatkeeper_idle_since"  # in a pool entry's info: when it was given back


IN_CHUNK = 1000  # values per IN (...): well inside SQLite's and PostgreSQL's parameter limits


def is_postgres(session: Session) -> bool:
    """Whether the session's database is PostgreSQL (else SQLite)."""
    return session.get_bind().dialect.name == "postgresql"


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain `postgresql://` URLs."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, a busy timeout and write-locking transactions."""
    url = normalise_url(url)
    if make_url(url).database not in (None, "", ":memory:"):  # an in-memory SQLite has no pool
        kwargs = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW, **kwargs}
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        _sqlite_pragmas(engine)
    else:
        engine = create_engine(url, **kwargs)
        _ping_when_idle(engine)
    start_mappers()
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Test a connection at checkout when it was idle for PING_AFTER_IDLE; a dead one is
    replaced there (the pool retries with a fresh connection on DisconnectionError)."""

    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return  # new, or back in the pool only a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"an idle connection is gone: {exc}") from exc


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself, so every transaction takes the write lock up front:
        # two deferred transactions upgrading to writers at once would fail with "locked".
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000:.0f}")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL loses no committed transaction when the process crashes (only on
        # power loss or an OS crash), and spares an fsync on every commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    turns = _WriterTurns()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # a plain read (health check): no transaction, no lock
        if options.get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")  # one snapshot (WAL), never the write lock
            return
        turns.take(connection.info)
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            turns.end(connection.info)
            raise

    for name in ("commit", "rollback"):
        event.listen(engine, name, lambda connection: turns.end(connection.info))
    # A connection given back to the pool mid-transaction (or collected) is rolled back there.
    event.listen(engine.pool, "reset", lambda _dbapi, record, _state: turns.end(record.info))


class _WriterTurns:
    """The writers of this process take turns at SQLite's write lock on a lock of their own.

    Waiting in SQLite's busy handler, a writer sleeps and asks again only every 100 ms at most,
    so under load every write waited tens of milliseconds after the lock was free; here it
    wakes as soon as the writer before it ends. Other processes (the CLI) still meet at
    SQLite's lock. A plain Lock, not an RLock: the pool may end a turn on another thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def take(self, info: dict[Any, Any]) -> None:
        if not self._lock.acquire(timeout=SQLITE_BUSY_SECONDS):
            raise OperationalError("BEGIN IMMEDIATE", None, sqlite3.OperationalError(LOCKED))
        info[_TURN] = True

    def end(self, info: dict[Any, Any]) -> None:
        if info.pop(_TURN, False):
            self._lock.release()


def writer_gap(engine: Engine) -> float:
    """Seconds a long job leaves between its write transactions so other writers get a turn."""
    return SQLITE_WRITER_GAP if engine.dialect.name == "sqlite" else 0.0


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to `engine` that keep objects readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def ping(engine: Engine) -> None:
    """Raise if the database does not answer (without taking SQLite's write lock)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("SELECT 1"))
