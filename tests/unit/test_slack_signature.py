"""Slack's v0 signature as the edge checks it: the window, the timestamp's format, the HMAC."""

from __future__ import annotations

import pytest

from bot.slack.signature import SlackSignature
from tests.fakes.slack_requests import sign

SECRET = "unit-signing-secret"
NOW = 1_700_000_000
BODY = b"command=%2Flicense&text=help"


def problem(headers: dict[str, str], body: bytes = BODY) -> str | None:
    lowered = {name.lower(): value for name, value in headers.items()}
    return SlackSignature(SECRET, now=lambda: NOW).problem(lowered, body)


@pytest.mark.parametrize("skew", [-300, 0, 300])
def test_a_signature_up_to_300_seconds_off_either_way_is_accepted(skew: int) -> None:
    assert problem(sign(BODY, SECRET, NOW + skew)) is None


@pytest.mark.parametrize("skew", [-301, 301, -NOW])
def test_a_signature_more_than_300_seconds_off_is_stale(skew: int) -> None:
    assert problem(sign(BODY, SECRET, NOW + skew)) == "stale timestamp"


ARABIC_DIGITS = "\u0661\u0667"  # str.isdigit() is true for them, int() reads them
ODD_TIMESTAMPS = ["", "soon", "+1700000000", " 1700000000", "1e9", ARABIC_DIGITS]


@pytest.mark.parametrize("timestamp", ODD_TIMESTAMPS)
def test_a_timestamp_that_is_not_plain_digits_is_malformed(timestamp: str) -> None:
    headers = sign(BODY, SECRET, NOW) | {"X-Slack-Request-Timestamp": timestamp}
    assert problem(headers) == "malformed timestamp"


def test_a_changed_body_or_another_secret_is_a_bad_signature() -> None:
    assert problem(sign(BODY, SECRET, NOW), BODY + b"x") == "bad signature"
    assert problem(sign(BODY, "another-secret", NOW)) == "bad signature"


def test_a_signature_with_characters_outside_ascii_is_a_bad_signature() -> None:
    headers = sign(BODY, SECRET, NOW) | {"X-Slack-Signature": "v0=ünïcode"}
    assert problem(headers) == "bad signature"
