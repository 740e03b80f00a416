"""Slack deliveries already handled: a repeat (retry, replay, double submit) is ignored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store import tables


def first_delivery(engine: Engine, key: str, now: dt.datetime) -> bool:
    """Record `key`; True the first time it is seen, False for every repeat."""
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(tables.slack_deliveries).values(key=key[:255], received_at=now)
            )
    except IntegrityError:
        return False
    return True


def seen(engine: Engine, key: str) -> bool:
    """True when `key` was recorded (a plain read: on SQLite it takes no write lock)."""
    c = tables.slack_deliveries.c
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        found = connection.execute(select(c.key).where(c.key == key[:255])).first()
    return found is not None


def record_delivery(session: Session, key: str, now: dt.datetime) -> bool:
    """Record `key` in the session's transaction; False when it was recorded before.

    On PostgreSQL a concurrent insert of the same key waits for the other transaction, and
    fails once that one commits.
    """
    try:
        session.execute(insert(tables.slack_deliveries).values(key=key[:255], received_at=now))
    except IntegrityError:
        return False  # the transaction is spoilt: the caller ends it
    return True


def forget_before(engine: Engine, cutoff: dt.datetime) -> int:
    """Drop records older than `cutoff` (Slack stops retrying and replays go stale long before)."""
    with engine.begin() as connection:
        result = connection.execute(
            delete(tables.slack_deliveries).where(tables.slack_deliveries.c.received_at < cutoff)
        )
        return result.rowcount or 0
