"""Lookups by email and Slack id use an index, because stored emails are lowercase."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from store import tables
from store.db import make_engine, session_factory
from store.migrate import upgrade
from store.uow import SqlUnitOfWork
from tests.statements import statements
from workflows.model import Person, Seat


@pytest.fixture
def sqlite(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'plans.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(tables.apps).values(key="miro", name="Miro", connector_type="manual")
        )
    with SqlUnitOfWork(session_factory(engine)) as uow:
        for n in range(50):
            uow.people.add(Person(f"p{n}@acme.test", slack_user_id=f"U{n:08d}"))
        uow.commit()
    yield engine
    engine.dispose()


def plan(engine: Engine, sql: str, params: Any) -> list[str]:
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params).all()
    return [row[-1] for row in rows]


LOOKUPS: dict[str, Callable[[SqlUnitOfWork], object]] = {
    "people by email": lambda uow: uow.people.by_email("P7@acme.test"),
    "people by emails": lambda uow: uow.people.by_emails(["p7@acme.test", "p8@acme.test"]),
    "people by Slack id": lambda uow: uow.people.by_slack_id("U00000007"),
    "people by Slack ids": lambda uow: uow.people.by_slack_ids(["U00000007"]),
    "a person's seats": lambda uow: uow.seats.held_by("P7@acme.test"),
    "a person's seat on an app": lambda uow: uow.seats.active_for("p7@acme.test", "miro"),
}


@pytest.mark.parametrize("lookup", LOOKUPS, ids=list(LOOKUPS))
def test_looking_people_and_seats_up_by_email_or_slack_id_uses_an_index(
    sqlite: Engine, lookup: str
) -> None:
    with SqlUnitOfWork(session_factory(sqlite)) as uow, statements(sqlite) as sent:
        LOOKUPS[lookup](uow)
    selects = [(sql, params) for sql, params in sent if sql.lstrip().startswith("SELECT")]

    assert selects
    for sql, params in selects:
        steps = plan(sqlite, sql, params)
        assert not [step for step in steps if step.startswith("SCAN")], (sql, steps)


def test_a_person_and_a_seat_written_in_mixed_case_are_stored_lowercase(sqlite: Engine) -> None:
    with SqlUnitOfWork(session_factory(sqlite)) as uow:
        uow.people.add(Person(" Ann@Acme.TEST", manager_email="Boss@Acme.test"))
        uow.seats.add(Seat("miro", "standard", "Ann@ACME.test"))
        uow.commit()

    with sqlite.connect() as connection:
        people = connection.exec_driver_sql(
            "SELECT email, manager_email FROM people WHERE email LIKE 'ann%'"
        ).all()
        seats = connection.exec_driver_sql("SELECT email FROM seats").scalars().all()
    assert [tuple(row) for row in people] == [("ann@acme.test", "boss@acme.test")]
    assert seats == ["ann@acme.test"]
    with SqlUnitOfWork(session_factory(sqlite)) as uow:
        assert uow.seats.active_for("ANN@acme.test", "miro") is not None
