"""API tokens in the domain: made with a secret shown once, found by it, revoked by name."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.fakes.clock import FakeClock
from tests.fakes.uow import FakeUnitOfWork
from workflows.catalog import Config
from workflows.errors import NotFound, Refused
from workflows.tokens import (
    PREFIX,
    Authenticate,
    CreateToken,
    RevokeToken,
    TokenCreated,
    authenticate,
    create_token,
    revoke_token,
    token_hash,
)

CONFIG = Config()


def create(uow: FakeUnitOfWork, clock: FakeClock, name: str = "ci-reports") -> TokenCreated:
    created = create_token(CreateToken(name, actor="cli:ops"), uow=uow, config=CONFIG, clock=clock)
    uow.commit()
    return created


def check(uow: FakeUnitOfWork, clock: FakeClock, secret: str) -> str | None:
    token = authenticate(Authenticate(secret), uow=uow, config=CONFIG, clock=clock)
    uow.commit()
    return token.name if token else None


def test_a_new_token_is_the_prefix_and_32_random_bytes_and_only_its_hash_is_stored() -> None:
    uow, clock = FakeUnitOfWork(), FakeClock()

    created = create(uow, clock)

    assert created.secret.startswith(PREFIX)
    assert len(created.secret) == len(PREFIX) + 43  # 32 bytes in URL-safe base64, unpadded
    [stored] = uow.tokens.all()
    assert stored.token_hash == token_hash(created.secret) != created.secret
    assert (stored.name, stored.scope, stored.created_at) == ("ci-reports", "api", clock.now())
    assert created.secret not in repr(created) + repr(stored)


def test_two_tokens_never_share_a_secret() -> None:
    uow, clock = FakeUnitOfWork(), FakeClock()

    assert create(uow, clock, "one").secret != create(uow, clock, "two").secret


def test_creating_and_revoking_are_audited_by_name_and_never_with_the_secret_or_hash() -> None:
    uow, clock = FakeUnitOfWork(), FakeClock()
    created = create(uow, clock)
    revoke_token(RevokeToken("ci-reports", actor="cli:ops"), uow=uow, config=CONFIG, clock=clock)

    events = [(e.actor, e.action, e.subject, e.data) for e in uow.audit.all()]

    assert events == [
        ("cli:ops", "token.created", "token:ci-reports", {"scope": "api"}),
        ("cli:ops", "token.revoked", "token:ci-reports", {"scope": "api"}),
    ]
    assert created.secret not in str(events)
    assert created.token.token_hash not in str(events)


def test_a_name_in_use_is_refused_until_its_token_is_revoked() -> None:
    uow, clock = FakeUnitOfWork(), FakeClock()
    create(uow, clock)

    with pytest.raises(Refused, match="'ci-reports' is in use"):
        create(uow, clock)
    revoke_token(RevokeToken("ci-reports"), uow=uow, config=CONFIG, clock=clock)
    create(uow, clock)

    assert [t.revoked for t in uow.tokens.all()] == [True, False]


@pytest.mark.parametrize("name", ["", "-lead", "has space", "a:b", "x" * 64, "naïve"])
def test_a_name_that_is_not_letters_digits_dots_dashes_or_underscores_is_refused(
    name: str,
) -> None:
    with pytest.raises(Refused, match="letters, digits"):
        create(FakeUnitOfWork(), FakeClock(), name)


def test_revoking_a_name_nobody_has_or_a_revoked_token_says_which() -> None:
    uow, clock = FakeUnitOfWork(), FakeClock()
    create(uow, clock)
    revoke_token(RevokeToken("ci-reports"), uow=uow, config=CONFIG, clock=clock)

    with pytest.raises(NotFound, match="'ci-reports' is already revoked"):
        revoke_token(RevokeToken("ci-reports"), uow=uow, config=CONFIG, clock=clock)
    with pytest.raises(NotFound, match="'nightly' does not exist"):
        revoke_token(RevokeToken("nightly"), uow=uow, config=CONFIG, clock=clock)


def test_the_secret_finds_its_token_and_anything_else_finds_none() -> None:
    uow, clock = FakeUnitOfWork(), FakeClock()
    first, second = create(uow, clock, "first"), create(uow, clock, "second")

    assert check(uow, clock, first.secret) == "first"
    assert check(uow, clock, second.secret) == "second"
    assert check(uow, clock, first.secret[:-1]) is None
    assert check(uow, clock, first.token.token_hash) is None  # the hash is not a key
    assert check(uow, clock, "") is None


def test_a_revoked_token_finds_nothing() -> None:
    uow, clock = FakeUnitOfWork(), FakeClock()
    created = create(uow, clock)
    revoke_token(RevokeToken("ci-reports"), uow=uow, config=CONFIG, clock=clock)

    assert check(uow, clock, created.secret) is None


def test_last_use_is_noted_at_most_once_a_minute() -> None:
    uow, clock = FakeUnitOfWork(), FakeClock()
    created = create(uow, clock)
    start = clock.now()

    check(uow, clock, created.secret)
    clock.advance(seconds=59)
    check(uow, clock, created.secret)
    assert uow.tokens.all()[0].last_used_at == start

    clock.advance(seconds=1)
    check(uow, clock, created.secret)
    assert uow.tokens.all()[0].last_used_at == start + dt.timedelta(minutes=1)
