"""Named leases in the database so a scheduled pass runs on one replica at a time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, insert, update
from sqlalchemy.exc import IntegrityError

from store import tables


def take_lease(engine: Engine, name: str, holder: str, now: dt.datetime, ttl: dt.timedelta) -> bool:
    """Hold `name` until now+ttl if it is free, expired, or already ours; True when held."""
    c = tables.leases.c
    with engine.begin() as connection:
        taken = connection.execute(
            update(tables.leases)
            .where(c.name == name, (c.until < now) | (c.holder == holder))
            .values(holder=holder, until=now + ttl)
        ).rowcount
    if taken:
        return True
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(tables.leases).values(name=name, holder=holder, until=now + ttl)
            )
    except IntegrityError:
        return False
    return True


def renew_lease(
    engine: Engine, name: str, holder: str, now: dt.datetime, ttl: dt.timedelta
) -> bool:
    """Extend `name` to now+ttl only while `holder` still holds it; False when it was lost."""
    c = tables.leases.c
    with engine.begin() as connection:
        # A lease that ran out is not ours any more, even if nobody has taken it yet: another
        # replica may take it at any moment, so renewing it would hide that the two overlapped.
        renewed = connection.execute(
            update(tables.leases)
            .where(c.name == name, c.holder == holder, c.until >= now)
            .values(until=now + ttl)
        ).rowcount
    return bool(renewed)


def release_lease(engine: Engine, name: str, holder: str) -> None:
    """Give up `name` if we hold it."""
    c = tables.leases.c
    with engine.begin() as connection:
        connection.execute(
            update(tables.leases)
            .where(c.name == name, c.holder == holder)
            .values(until=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        )
