"""The seats repository: seats as the domain sees them, and the set-based reads and writes
of imports and syncs. Never commits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from store import tables
from store.db import IN_CHUNK, is_postgres
from store.many import bound, bound_names, execute_many, execute_values, select_once
from workflows import ports
from workflows.model import (
    OPEN_CASE_STATUSES,
    Seat,
    SeatStatus,
    normal_email,
)

HELD = (SeatStatus.ACTIVE, SeatStatus.RELEASING)
# New seats written at once from which PostgreSQL's statistics may be too old to plan with.
STALE_AFTER = 500


def _held() -> ColumnElement[bool]:
    """A seat is held: the statuses written into the SQL, not bound, so that the planner may
    use the partial index of held seats (uq_seats_one_active) on (email, app)."""
    return tables.seats.c.status.in_([sa.literal_column(f"'{s.value}'") for s in HELD])


def _newer_activity() -> sa.Update:
    """Set a held seat's last activity and its words where `day` is newer (the rule of
    `workflows.sync.newer_activity`); parameters app, who, day and words."""
    c = tables.seats.c
    day = bindparam("day", type_=sa.Date)
    newer = or_(
        c.last_active_on.is_(None),
        c.last_active_on < day,
        and_(c.last_active_on == day, c.activity_source.is_(None)),
    )
    return (
        update(tables.seats)
        .where(c.app_key == bindparam("app"), _held(), c.email == bindparam("who"), newer)
        .values(last_active_on=day, activity_source=bindparam("words", type_=String))
    )


def _activity() -> sa.Select[Any]:
    """(email, last activity, its words) of the seats held on app `app` by the emails e0 …
    e999 (parameters). The app is compared as `app_key || ''` so that no plan reads every held
    seat of the app through (app, status) and filters it by a 1,000-value IN: SQLite has no
    statistics to know better, and PostgreSQL, once the driver prepares the statement, plans it
    for any parameters and guesses the app's seats are few (a million-row usage import spent
    6 s a batch so). The emails' index finds the seats either way."""
    c = tables.seats.c
    listed = [bindparam(f"e{n}", type_=String) for n in range(IN_CHUNK)]
    app = bindparam("app", type_=String)
    on_app = c.app_key.op("||")(sa.literal_column("''")) == app
    query = select(c.email, c.last_active_on, c.activity_source)
    return query.where(on_app, _held(), c.email.in_(listed))


# What a sync writes of a new seat, and what it may change of a held one.
_NEW_FIELDS = tuple(field.name for field in dataclasses.fields(ports.NewSeat))
_NEW_VALUES = operator.attrgetter(*_NEW_FIELDS)
_NEW_PARAMETERS = bound_names(_NEW_FIELDS)
_SAVED_FIELDS = (
    "tier_key",
    "status",
    "last_active_on",
    "activity_source",
    "paid_until",
    "ended_on",
)

_SAVED_VALUES = operator.attrgetter("id", *_SAVED_FIELDS)
_SAVED_PARAMETERS = ("row_id", *bound_names(_SAVED_FIELDS))


# Built once: their compiled SQL is kept (store.many) and run for every batch of an import.
_NEWER_ACTIVITY = _newer_activity()
_ACTIVITY = _activity()
_SAVE_ROW = (
    update(tables.seats)
    .where(tables.seats.c.id == bindparam("row_id"))
    .values(bound(_SAVED_FIELDS))
)
_ADD_NEW = sa.insert(tables.seats).values(status=SeatStatus.ACTIVE, **bound(_NEW_FIELDS))
_HELD_ROWS = (
    select(*(tables.seats.c[field.name] for field in dataclasses.fields(ports.HeldRow)))
    .where(tables.seats.c.app_key == bindparam("app"), _held())
    .order_by(tables.seats.c.email)
)


class SqlSeatRepository(ports.SeatRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, seat: Seat) -> None:
        """Stage a new seat."""
        self.session.add(seat)

    def get(self, seat_id: int, *, for_update: bool = False) -> Seat | None:
        """The seat with this id, in any status; `for_update` locks its row until commit."""
        query = select(Seat).where(tables.seats.c.id == seat_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(query).first()

    def active_for(self, email: str, app_key: str) -> Seat | None:
        """The seat this person holds on the app, if any."""
        c = tables.seats.c
        query = select(Seat).where(
            c.email == normal_email(email), c.app_key == app_key, c.status.in_(HELD)
        )
        return self.session.scalars(query).first()

    def count_active(self, app_key: str, tiers: Collection[str] | None = None) -> int:
        """Seats held on the app (on `tiers`, if given)."""
        c = tables.seats.c
        query = select(func.count()).where(c.app_key == app_key, c.status.in_(HELD))
        if tiers is not None:
            query = query.where(c.tier_key.in_(sorted(tiers)))
        return self.session.scalar(query) or 0

    def held_rows(self, app_key: str) -> list[ports.HeldRow]:
        """The seats held on the app as plain rows, by email (a sync compares them all)."""
        rows = select_once(self.session.connection(), _HELD_ROWS, {"app": app_key})
        return [ports.HeldRow(*row) for row in rows]

    def add_new(self, seats: Sequence[ports.NewSeat]) -> None:
        """Write new active seats with one executemany."""
        self.session.flush()
        rows = list(map(_NEW_VALUES, seats))
        execute_values(self.session.connection(), _ADD_NEW, _NEW_PARAMETERS, rows)
        if len(rows) >= STALE_AFTER and is_postgres(self.session):
            self._analyze_if_stale(len(rows))

    def _analyze_if_stale(self, added: int) -> None:
        """Have PostgreSQL count the seats again when `added` is a large share of what it
        believes there are: a first sync fills an empty table, and a plan made for an empty
        table reads every seat once per email looked up (the next batch's lookups took 3 s)."""
        believed = self.session.scalar(
            text("SELECT reltuples FROM pg_class WHERE oid = 'seats'::regclass")
        )
        if believed is None or added * 10 > max(believed, 0):
            self.session.execute(text("ANALYZE seats"))

    def save_rows(self, rows: Sequence[ports.HeldRow]) -> None:
        """Write what changed of these rows (read by `held_rows`) with one executemany."""
        self.session.flush()
        shaped = list(map(_SAVED_VALUES, rows))
        execute_values(self.session.connection(), _SAVE_ROW, _SAVED_PARAMETERS, shaped)

    def held_on(self, app_key: str) -> list[Seat]:
        """Seats held on the app."""
        c = tables.seats.c
        query = select(Seat).where(c.app_key == app_key, c.status.in_(HELD))
        return list(self.session.scalars(query.order_by(c.email)))

    def activity_on(
        self, app_key: str, emails: Iterable[str]
    ) -> dict[str, tuple[dt.date | None, str | None]]:
        """Email -> (last activity, its words) of the seats held on the app by any of `emails`
        (case-insensitive), read as plain rows, a query per chunk of emails."""
        wanted = list(set(map(normal_email, emails)))
        found: dict[str, tuple[dt.date | None, str | None]] = {}
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start : start + IN_CHUNK]
            chunk += chunk[-1:] * (IN_CHUNK - len(chunk))  # a repeat is found once
            row = {"app": app_key, **{f"e{n}": email for n, email in enumerate(chunk)}}
            rows = select_once(self.session.connection(), _ACTIVITY, row)
            found.update((email, (day, words)) for email, day, words in rows)
        return found

    def record_activity(
        self, app_key: str, changes: Mapping[str, tuple[dt.date, str | None]]
    ) -> None:
        """Set the last activity and its words of the app's held seats of these emails, in one
        executemany (the session's objects are not refreshed: read them again after)."""
        if not changes:
            return
        c = tables.seats.c
        statement = (
            update(tables.seats)
            .where(c.app_key == app_key, _held(), c.email == bindparam("who"))
            .values(last_active_on=bindparam("day"), activity_source=bindparam("words"))
        )
        rows = [
            {"who": normal_email(who), "day": day, "words": words}
            for who, (day, words) in changes.items()
        ]
        self.session.connection().execute(statement, rows)

    def record_newer_activity(self, app_key: str, usage: Mapping[str, dt.date], words: str) -> int:
        """Record each (normal) email's day as the last activity (with `words`) of its seat held
        on the app where it is newer, as `workflows.sync.newer_activity` says; return the
        seats changed. The UPDATE compares too, so a date written meanwhile is not undone."""
        fixed = {"app": app_key, "words": words}
        rows = [{"who": who, "day": day, **fixed} for who, day in usage.items()]
        return execute_many(self.session.connection(), _NEWER_ACTIVITY, rows)

    def worth_a_look(
        self, app_keys: Collection[str], *, used_before: dt.date, ending_by: dt.date
    ) -> list[Seat]:
        """Seats held on these apps that were not used since `used_before` (or have no date),
        end by `ending_by`, or have an open reclaim case, by app and email."""
        c, cases = tables.seats.c, tables.reclaim_cases.c
        open_ids = select(cases.seat_id).where(cases.status.in_(list(OPEN_CASE_STATUSES)))
        wanted = set(app_keys)
        if len(wanted) == 1:
            # One app's held seats are few enough to read through the (app, status) index.
            due: ColumnElement[bool] = or_(
                c.last_active_on.is_(None),
                c.last_active_on < used_before,
                c.end_date <= ending_by,
                c.id.in_(open_ids),
            )
            query = select(Seat).where(c.app_key == next(iter(wanted)), due)
        else:
            # Across apps each way in is an index (last use, end date, open cases), so the
            # database reads the few candidates, not every held seat; an OR would scan them.
            due_ids = sa.union(
                select(c.id).where(or_(c.last_active_on.is_(None), c.last_active_on < used_before)),
                select(c.id).where(c.end_date <= ending_by),
                open_ids,
            )
            query = select(Seat).where(c.id.in_(due_ids))
        # Many apps are picked here, not by an IN of hundreds of keys in the query.
        seats = self.session.scalars(query.where(c.status.in_(HELD)).order_by(c.app_key, c.email))
        return [seat for seat in seats if seat.app_key in wanted]

    def held_by(self, email: str) -> list[Seat]:
        """Seats this person holds."""
        c = tables.seats.c
        query = select(Seat).where(c.email == normal_email(email), c.status.in_(HELD))
        return list(self.session.scalars(query.order_by(c.app_key)))

    def revoked_since(self, app_key: str, since: dt.date) -> set[str]:
        """Emails whose seat on the app was revoked on or after `since`."""
        c = tables.seats.c
        query = select(c.email).where(
            c.app_key == app_key, c.status == SeatStatus.REVOKED, c.ended_on >= since
        )
        return set(self.session.scalars(query))

    def held(self) -> list[Seat]:
        """Every seat held, on any app, by app and email."""
        c = tables.seats.c
        query = select(Seat).where(c.status.in_(HELD)).order_by(c.app_key, c.email)
        return list(self.session.scalars(query))

    def tally(self, app_keys: Collection[str], since: dt.date) -> list[ports.SeatTally]:
        """Seats held per app (of `app_keys`) and tier, and of those the ones used since `since`."""
        c = tables.seats.c
        used = func.count(case((c.last_active_on >= since, 1)))
        query = (
            select(c.app_key, c.tier_key, func.count(), used)
            .where(c.status.in_(HELD))
            .group_by(c.app_key, c.tier_key)
        )
        # The apps are picked here, not by an IN in the query: that would read the seats
        # through the (app, status) index one by one instead of scanning the table once.
        wanted = set(app_keys)
        return [ports.SeatTally(*row) for row in self.session.execute(query) if row[0] in wanted]

    def held_by_leavers(self) -> list[Seat]:
        """Active seats whose holder the directory marks inactive, by email and app."""
        c, p = tables.seats.c, tables.people.c
        # From the (few) leavers to their seats by the email index, not a join over every seat.
        leavers = select(p.email).where(p.active.is_(False))
        query = (
            select(Seat)
            .where(c.email.in_(leavers), c.status == SeatStatus.ACTIVE)
            .order_by(c.email, c.app_key)
        )
        return list(self.session.scalars(query))
