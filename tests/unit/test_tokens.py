"""One refresh rule for every vendor's access tokens (`connectors.tokens`)."""

from __future__ import annotations

import datetime as dt

from connectors.tokens import IssuedToken, TokenSource, lifetime_of
from tests.fakes.clock import FakeClock


class Endpoint:
    """A token endpoint that issues numbered tokens of one lifetime."""

    def __init__(self, lifetime: dt.timedelta) -> None:
        self.lifetime = lifetime
        self.issued = 0

    def fetch(self) -> IssuedToken:
        self.issued += 1
        return IssuedToken(f"token-{self.issued}", self.lifetime)


def test_a_token_is_reused_until_a_minute_before_it_expires() -> None:
    clock, endpoint = FakeClock(), Endpoint(dt.timedelta(hours=1))
    tokens = TokenSource(endpoint.fetch, now=clock.now)

    first = tokens.token()
    clock.advance(minutes=58, seconds=59)
    assert tokens.token() == first
    clock.advance(seconds=1)
    assert tokens.token() == "token-2"


def test_a_short_lived_token_is_renewed_halfway_through_its_life() -> None:
    clock, endpoint = FakeClock(), Endpoint(dt.timedelta(seconds=90))
    tokens = TokenSource(endpoint.fetch, now=clock.now)

    tokens.token()
    clock.advance(seconds=44)
    tokens.token()
    clock.advance(seconds=1)
    tokens.token()

    assert endpoint.issued == 2


def test_a_token_without_a_stated_lifetime_serves_the_call_at_hand_only() -> None:
    clock, endpoint = FakeClock(), Endpoint(lifetime_of({"access_token": "t"}))
    tokens = TokenSource(endpoint.fetch, now=clock.now)

    assert [tokens.token(), tokens.token()] == ["token-1", "token-2"]


def test_a_lifetime_is_read_from_expires_in_and_nonsense_counts_as_none() -> None:
    assert lifetime_of({"expires_in": 3599}) == dt.timedelta(seconds=3599)
    assert lifetime_of({"expires_in": "3600"}) == dt.timedelta(hours=1)
    for nonsense in ("soon", None, [], "inf", 10**30):
        assert lifetime_of({"expires_in": nonsense}) == dt.timedelta(0)
