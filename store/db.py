"""Engines and sessions: SQLite (WAL, one writer at a time) by default, PostgreSQL by URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
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
READ_ONLY = "seatkeeper_read_only"  # an execution option: the transaction only reads
POOL_SIZE = 24
POOL_OVERFLOW = 16


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
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    start_mappers()
    return engine


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself, so every transaction takes the write lock up front:
        # two deferred transactions upgrading to writers at once would fail with "locked".
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL loses no committed transaction when the process crashes (only on
        # power loss or an OS crash), and spares an fsync on every commit.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # a plain read (health check): no transaction, no lock
        # A reading transaction sees one snapshot (WAL) and never takes the write lock.
        connection.exec_driver_sql("BEGIN" if options.get(READ_ONLY) else "BEGIN IMMEDIATE")


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
