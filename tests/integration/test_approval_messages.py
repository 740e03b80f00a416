"""A step's approval messages are records in the domain and JSON rows in the database.

The column keeps the JSON it always had, `[[channel, ts, approver], ...]` (an empty channel
and ts for an approver Slack could not reach), so rows written before still load.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import JSON, Engine, bindparam, insert, select, text, type_coerce
from sqlalchemy.exc import StatementError

from store import tables
from store.db import make_engine, session_factory
from store.migrate import upgrade
from store.uow import SqlUnitOfWork
from workflows.model import ApprovalMessage, ApprovalStep, Request

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
RAW = type_coerce(tables.approval_steps.c.messages, JSON)  # the column's JSON as stored


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(insert(tables.apps).values(key="miro", name="Miro", connector_type="x"))
        connection.execute(
            insert(tables.tiers).values(app_key="miro", key="std", name="Std", monthly_price=10)
        )
    yield engine
    engine.dispose()


def stored_step(engine: Engine, messages: list[ApprovalMessage]) -> int:
    step = ApprovalStep(position=0, rule="manager", messages=messages)
    with SqlUnitOfWork(session_factory(engine)) as uow:
        uow.requests.add(Request("U1", "miro", "std", "why", NOW, NOW, steps=[step]))
        uow.commit()
    assert step.id is not None
    return step.id


def loaded_messages(engine: Engine) -> list[ApprovalMessage]:
    with SqlUnitOfWork(session_factory(engine)) as uow:
        request = uow.requests.get(1)
        assert request is not None
        return request.steps[0].messages


def test_approval_messages_are_stored_as_the_json_rows_they_always_were(engine: Engine) -> None:
    asked = [ApprovalMessage("D0DANA001", "1700000000.000100", "U0DANA001")]
    stored_step(engine, [*asked, ApprovalMessage.undeliverable("U0GONE001")])

    with engine.connect() as connection:
        raw = connection.execute(select(RAW)).scalar_one()

    assert raw == [["D0DANA001", "1700000000.000100", "U0DANA001"], ["", "", "U0GONE001"]]


def test_approval_messages_written_before_load_as_records(engine: Engine) -> None:
    step_id = stored_step(engine, [])
    before = [["C0APPROVE1", "1700000000.000200", "U0DANA001"], ["", "", "U0GONE001"]]
    write = text("UPDATE approval_steps SET messages = :messages WHERE id = :id").bindparams(
        bindparam("messages", type_=JSON)
    )
    with engine.begin() as connection:
        connection.execute(write, {"messages": before, "id": step_id})

    loaded = loaded_messages(engine)

    assert loaded == [
        ApprovalMessage("C0APPROVE1", "1700000000.000200", "U0DANA001"),
        ApprovalMessage("", "", "U0GONE001"),
    ]
    assert [m.delivered for m in loaded] == [True, False]


def test_an_approval_message_that_is_not_a_record_is_refused_and_nothing_is_stored(
    engine: Engine,
) -> None:
    with pytest.raises(StatementError, match="must be ApprovalMessage records"):
        stored_step(engine, [["D0DANA001", "1700000000.000100", "U0DANA001"]])  # type: ignore[list-item]

    with engine.connect() as connection:
        assert connection.execute(select(RAW)).all() == []
