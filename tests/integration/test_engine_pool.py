"""PostgreSQL connections from the pool: one used a moment ago is used as it is (no ping per
checkout), and one that sat idle is tested first and replaced when its server end is gone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text

from store import db
from tests.database import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only")


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, list[int]]]:
    assert POSTGRES_URL is not None
    engine = db.make_engine(POSTGRES_URL)
    sent: list[int] = []
    ping = engine.dialect.do_ping

    def counted(connection: Any) -> bool:
        sent.append(1)
        return ping(connection)

    monkeypatch.setattr(engine.dialect, "do_ping", counted)
    yield engine, sent
    engine.dispose()


def backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_given_back_a_moment_ago_is_not_pinged(
    pings: tuple[Engine, list[int]],
) -> None:
    engine, sent = pings
    first = backend(engine)

    assert [backend(engine) for _ in range(20)] == [first] * 20
    assert sent == []


def test_an_idle_connection_whose_server_end_died_is_replaced_at_checkout(
    pings: tuple[Engine, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, sent = pings
    first = backend(engine)
    assert POSTGRES_URL is not None
    with psycopg.connect(POSTGRES_URL, autocommit=True) as other:  # not one of the pool's
        other.execute("SELECT pg_terminate_backend(%s)", (first,))
    monkeypatch.setattr(db, "PING_AFTER_IDLE", 0.0)

    second = backend(engine)

    assert second != first
    assert sent  # the dead connection was found by a ping, not by the query
