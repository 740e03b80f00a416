"""Slack's Retry-After holds for every caller of the refused method, not only the refused one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.errors import SlackApiError

from bot.sandbox.local import LocalSlack
from bot.slack.client import LimitedClient, RetryAfterWaits


class Clock:
    """A clock that sleeping moves on, shared by the fake Slack and the client."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[LocalSlack]:
    with LocalSlack(now=clock) as running:
        yield running


def client(fake: LocalSlack, waits: RetryAfterWaits) -> LimitedClient:
    return LimitedClient(token=fake.token, base_url=fake.url, retry_handlers=[waits])


def test_a_refused_call_is_tried_again_once_its_retry_after_has_passed(
    fake: LocalSlack, clock: Clock
) -> None:
    waits = RetryAfterWaits(max_retry_count=1, clock=clock, sleep=clock.sleep)
    fake.fail_next("chat.postMessage", retry_after=20)

    assert client(fake, waits).chat_postMessage(channel="C1", text="one")["ok"] is True
    assert clock.slept == [20.0]
    assert [call.error for call in fake.calls] == ["ratelimited", None]
    assert fake.early == []


def test_a_429_one_client_got_makes_another_clients_call_to_that_method_wait(
    fake: LocalSlack, clock: Clock
) -> None:
    waits = RetryAfterWaits(max_retry_count=0, clock=clock, sleep=clock.sleep)
    fake.fail_next("chat.postMessage", retry_after=20)
    with pytest.raises(SlackApiError):
        client(fake, waits).chat_postMessage(channel="C1", text="refused")

    assert client(fake, waits).chat_postMessage(channel="C2", text="two")["ok"] is True
    assert clock.slept == [20.0]
    assert fake.early == []


def test_a_refusal_past_the_last_retry_still_holds_back_the_next_call(
    fake: LocalSlack, clock: Clock
) -> None:
    waits = RetryAfterWaits(max_retry_count=0, clock=clock, sleep=clock.sleep)
    limited = client(fake, waits)
    fake.fail_next("chat.postMessage", retry_after=30)
    with pytest.raises(SlackApiError):
        limited.chat_postMessage(channel="C1", text="refused")

    assert limited.conversations_open(users="U0ALICE01")["ok"] is True  # another method: at once
    assert clock.slept == []
    assert limited.chat_postMessage(channel="C1", text="after the wait")["ok"] is True
    assert clock.slept == [30.0]
    assert fake.early == []
