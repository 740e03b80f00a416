"""Bulk writes (store.many) on the database under test: what a sync writes at once reads back
as the ORM would have written it, and the audit chain it appends still verifies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, bindparam

from store import tables
from store.db import make_engine, session_factory
from store.many import execute_many
from store.migrate import upgrade
from store.uow import SqlUnitOfWork
from workflows.audit import record, verify_chain
from workflows.model import Person, SeatStatus
from workflows.ports import NewSeat

NOW = dt.datetime(2026, 12, 7, 9, 30, tzinfo=dt.UTC)
# More rows than one statement of arrays takes on PostgreSQL, with every kind of value:
# empty and accented text, quotes, None and repeated dates.
COUNT = 10_250


class Clock:
    def now(self) -> dt.datetime:
        return NOW


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            tables.apps.insert(), [{"key": "miro", "name": "Miro", "connector_type": "csv"}]
        )
    yield engine
    engine.dispose()


def new_seat(n: int) -> NewSeat:
    return NewSeat(
        app_key="miro",
        tier_key="standard",
        email=f"p{n}@acme.com",
        slack_user_id=None if n % 3 else f"U{n:08d}",
        assigned_on=dt.date(2026, 1, 1) + dt.timedelta(days=n % 7),
        paid_until=None if n % 2 else dt.date(2027, 1, 1),
        recorded_at=NOW,
        last_active_on=None if n % 5 == 0 else dt.date(2026, 12, 1),
        activity_source=["last sign-in", "", 'a "quoted", {braced} word', "Zoë's"][n % 4],
    )


def test_new_seats_written_at_once_read_back_as_given(engine: Engine) -> None:
    seats = [new_seat(n) for n in range(COUNT)]
    uow = SqlUnitOfWork(session_factory(engine))
    with uow:
        uow.seats.add_new(seats)
        uow.commit()

    with uow:
        rows = {row.email: row for row in uow.seats.held_rows("miro")}
        stored = {s.email: s for s in uow.seats.held_on("miro")}
    assert len(rows) == COUNT
    for seat in seats:
        held = stored[seat.email]
        assert held.status == SeatStatus.ACTIVE
        assert (held.slack_user_id, held.assigned_on, held.paid_until) == (
            seat.slack_user_id,
            seat.assigned_on,
            seat.paid_until,
        )
        assert (held.last_active_on, held.activity_source, held.recorded_at) == (
            seat.last_active_on,
            seat.activity_source,
            seat.recorded_at,
        )


def test_changed_rows_are_written_back_and_only_those(engine: Engine) -> None:
    uow = SqlUnitOfWork(session_factory(engine))
    with uow:
        uow.seats.add_new([new_seat(n) for n in range(3)])
        uow.commit()
    with uow:
        first, second, third = uow.seats.held_rows("miro")
        first.tier_key, first.activity_source = "pro", "it's new"
        second.status, second.ended_on = SeatStatus.REVOKED, dt.date(2026, 12, 7)
        uow.seats.save_rows([first, second])
        uow.commit()

    with uow:
        assert [(r.email, r.tier_key) for r in uow.seats.held_rows("miro")] == [
            (first.email, "pro"),
            (third.email, "standard"),
        ]
        gone = uow.seats.get(second.id)
        assert gone is not None and (gone.status, gone.ended_on) == (
            SeatStatus.REVOKED,
            dt.date(2026, 12, 7),
        )


def test_many_audit_entries_of_one_commit_chain_on_to_the_log(engine: Engine) -> None:
    uow = SqlUnitOfWork(session_factory(engine))
    with uow:
        record(uow, Clock(), "ann", "seat.assigned", "seat:miro:ann@acme.com", tier="pro")
        uow.commit()
    with uow:
        for n in range(COUNT):
            data = {"tier": "standard", "n": n, "said": ["Zoë's", None, {"nested": True}]}
            record(uow, Clock(), "sync", "seat.found", f"seat:miro:p{n}@acme.com", **data)
        uow.commit()

    with uow:
        events = uow.audit.all()
    assert len(events) == COUNT + 1 and verify_chain(events) is None
    assert events[-1].data == {
        "tier": "standard",
        "n": COUNT - 1,
        "said": ["Zoë's", None, {"nested": True}],
    }


def test_slack_ids_are_read_by_email_whatever_its_case(engine: Engine) -> None:
    uow = SqlUnitOfWork(session_factory(engine))
    with uow:
        uow.people.add(Person(email="ann@acme.com", name="Ann", slack_user_id="U00000001"))
        uow.people.add(Person(email="bo@acme.com", name="Bo"))
        uow.commit()
    with uow:
        found = uow.people.slack_ids(["ANN@acme.com", "bo@acme.com", "cy@acme.com"])
    assert found == {"ann@acme.com": "U00000001", "bo@acme.com": None}


def test_a_bulk_insert_fills_in_the_fixed_defaults_of_the_columns_it_does_not_give(
    engine: Engine,
) -> None:
    statement = tables.people.insert().values(email=bindparam("who"))
    with engine.begin() as connection:
        execute_many(connection, statement, [{"who": "ann@acme.com"}, {"who": "bo@acme.com"}])

    uow = SqlUnitOfWork(session_factory(engine))
    with uow:
        people = uow.people.by_emails(["ann@acme.com", "bo@acme.com"])
    assert [(p.email, p.name, p.active, p.in_directory) for p in people] == [
        ("ann@acme.com", "", True, False),
        ("bo@acme.com", "", True, False),
    ]


def test_people_written_back_may_swap_slack_ids_once_those_are_freed(engine: Engine) -> None:
    uow = SqlUnitOfWork(session_factory(engine))
    with uow:
        uow.people.add(Person(email="ann@acme.com", name="Ann", slack_user_id="U00000001"))
        uow.people.add(Person(email="bo@acme.com", name="Bo", slack_user_id="U00000002"))
        uow.commit()
    with uow:
        ann, bo = uow.people.rows_by_emails(["ann@acme.com", "bo@acme.com"])
        ann.slack_user_id, bo.slack_user_id, bo.name = "U00000002", "U00000001", "Bo Bell"
        uow.people.save_rows([ann, bo], freed=[ann.id, bo.id])
        uow.commit()

    with uow:
        rows = uow.people.rows_by_slack_ids(["U00000001", "U00000002"])
    assert [(r.slack_user_id, r.email, r.name) for r in rows] == [
        ("U00000001", "bo@acme.com", "Bo Bell"),
        ("U00000002", "ann@acme.com", "Ann"),
    ]
