"""API tokens in the database: a name is unique among unrevoked tokens, a hash among all."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from store import tables
from store.db import session_factory
from store.uow import SqlUnitOfWork
from workflows.model import ApiToken, TokenScope

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def add(engine: Engine, *tokens: ApiToken) -> None:
    with SqlUnitOfWork(session_factory(engine)) as uow:
        for token in tokens:
            uow.tokens.add(token)
        uow.commit()


def token(name: str, digest: str, revoked_at: dt.datetime | None = None) -> ApiToken:
    return ApiToken(name, TokenScope.API, digest, created_at=NOW, revoked_at=revoked_at)


def test_two_unrevoked_tokens_cannot_share_a_name(engine: Engine) -> None:
    add(engine, token("ci", "a" * 64))

    with pytest.raises(IntegrityError):
        add(engine, token("ci", "b" * 64))


def test_a_revoked_tokens_name_can_be_used_again_and_both_are_listed(engine: Engine) -> None:
    add(engine, token("ci", "a" * 64, revoked_at=NOW), token("ci", "b" * 64))

    with SqlUnitOfWork(session_factory(engine)) as uow:
        live = uow.tokens.live("ci")
        listed = [(t.name, t.revoked) for t in uow.tokens.all()]
        usable = [t.token_hash for t in uow.tokens.usable(TokenScope.API)]

    assert live is not None and live.token_hash == "b" * 64
    assert listed == [("ci", True), ("ci", False)]
    assert usable == ["b" * 64]


def test_two_tokens_cannot_share_a_hash(engine: Engine) -> None:
    add(engine, token("one", "a" * 64))

    with pytest.raises(IntegrityError):
        add(engine, token("two", "a" * 64))


def test_times_come_back_as_utc(engine: Engine) -> None:
    add(engine, token("ci", "a" * 64))

    with engine.connect() as connection:
        assert connection.scalar(select(tables.api_tokens.c.scope)) == "api"
    with SqlUnitOfWork(session_factory(engine)) as uow:
        assert uow.tokens.all()[0].created_at == NOW
