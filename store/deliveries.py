"""Slack deliveries already handled: a repeat (retry, replay, double submit) is ignored."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, delete, insert
from sqlalchemy.exc import IntegrityError

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


def forget_before(engine: Engine, cutoff: dt.datetime) -> int:
    """Drop records older than `cutoff` (Slack stops retrying and replays go stale long before)."""
    with engine.begin() as connection:
        result = connection.execute(
            delete(tables.slack_deliveries).where(tables.slack_deliveries.c.received_at < cutoff)
        )
        return result.rowcount or 0
