"""The audit chain: a transaction's events read the end of the chain once and are written
together, and the chain stays whole across commits and rollbacks."""

from __future__ import annotations

from sqlalchemy import Engine

from store.db import session_factory
from store.uow import SqlUnitOfWork
from tests.fakes.clock import FakeClock
from tests.statements import Statements, statements
from workflows.audit import record, verify_chain


def touching_audit(sent: Statements, verb: str) -> int:
    return sum(1 for sql, _ in sent if sql.lstrip().startswith(verb) and "audit_events" in sql)


def test_many_audit_events_in_one_transaction_read_the_end_of_the_chain_once(
    engine: Engine,
) -> None:
    clock = FakeClock()
    with SqlUnitOfWork(session_factory(engine)) as uow, statements(engine) as sent:
        for n in range(100):
            record(uow, clock, "import", "person.left", f"person:p{n}@acme.test")
        uow.commit()

    assert touching_audit(sent, "SELECT") == 1
    assert touching_audit(sent, "INSERT") < 10  # written together, not one flush per event
    with SqlUnitOfWork(session_factory(engine)) as uow:
        events = uow.audit.all()
    assert [e.seq for e in events] == list(range(1, 101))
    assert verify_chain(events) is None


def test_the_chain_continues_across_commits_and_after_a_rollback(engine: Engine) -> None:
    clock = FakeClock()
    sessions = session_factory(engine)
    with SqlUnitOfWork(sessions) as uow:
        record(uow, clock, "a", "one", "x")
        uow.commit()
        record(uow, clock, "a", "two", "x")
        uow.commit()
        record(uow, clock, "a", "forgotten", "x")
        uow.rollback()
        clock.advance(seconds=1)
        record(uow, clock, "a", "three", "x")
        uow.commit()
    with SqlUnitOfWork(sessions) as other:
        record(other, clock, "b", "four", "x")
        other.commit()

    with SqlUnitOfWork(sessions) as uow:
        events = uow.audit.all()
    assert [(e.seq, e.action) for e in events] == [
        (1, "one"),
        (2, "two"),
        (3, "three"),
        (4, "four"),
    ]
    assert verify_chain(events) is None
