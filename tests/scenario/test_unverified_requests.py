"""Nothing of a request Slack did not sign is acted on, logged or even read past a size cap;
a signed body of a shape Slack never sends is refused with 400 before any listener sees it."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from urllib.parse import urlencode

import pytest

from bot.web.app import MAX_BODY_BYTES, create_app
from messages import ids
from tests.fakes.response_url import ResponseUrlListener
from tests.fakes.slack_requests import FORM, JSON, sign
from tests.scenario.world import ALICE, SIGNING_SECRET, World

MARKER = "HOSTILE-BODY-MARKER"
HTTP_CLIENTS = {"httpx", "httpx2"}  # loggers of the test client's own requests
LONG_LINE = 200


def hostile_click(response_url: str) -> bytes:
    """A click naming a user, no channel and a response_url: what the error handler used."""
    payload = {
        "type": "block_actions",
        "user": {"id": ALICE},
        "trigger_id": "1.2.3",
        "actions": [{"action_id": ids.STEP_APPROVE, "value": MARKER, "action_ts": "1.2"}],
        "response_url": response_url,
    }
    return urlencode({"payload": json.dumps(payload)}).encode()


def post(world: World, body: bytes, headers: dict[str, str | bytes]) -> object:
    return world.http.post("/slack/events", content=body, headers=headers)


def assert_one_short_line(caplog: pytest.LogCaptureFixture) -> None:
    """The refusal left exactly one short log line, without the body or a traceback."""
    # httpx (or httpx2, which the test client uses when it is installed) logs the test
    # client's own side of each request.
    lines = [r for r in caplog.records if r.levelno >= logging.INFO and r.name not in HTTP_CLIENTS]
    assert len(lines) == 1, [r.getMessage()[:120] for r in lines]
    line = lines[0]
    assert len(line.getMessage()) < LONG_LINE and line.exc_info is None
    assert MARKER not in line.getMessage()


def signed_at(timestamp: int | str, body: bytes, content_type: str = FORM) -> dict[str, str]:
    headers = sign(body, SIGNING_SECRET, int(time.time()), content_type=content_type)
    return headers | {"X-Slack-Request-Timestamp": str(timestamp)}


def unverified_headers(case: str, body: bytes) -> dict[str, str | bytes]:
    """Headers of one kind of request that is not a fresh one signed by Slack."""
    now = int(time.time())
    good = sign(body, SIGNING_SECRET, now, content_type=FORM)
    cases: dict[str, dict[str, str | bytes]] = {
        "non-numeric timestamp": good | {"X-Slack-Request-Timestamp": "soon"},
        "huge timestamp": good | {"X-Slack-Request-Timestamp": "9" * 5000},
        "signed timestamp": good | {"X-Slack-Request-Timestamp": f"+{now}"},
        "no timestamp": {k: v for k, v in good.items() if k != "X-Slack-Request-Timestamp"},
        "no signature": {k: v for k, v in good.items() if k != "X-Slack-Signature"},
        "no signature headers": {"Content-Type": FORM},
        "stale": sign(body, SIGNING_SECRET, now - 301, content_type=FORM),
        "from the future": sign(body, SIGNING_SECRET, now + 310, content_type=FORM),
        "forged": sign(body, "not-the-signing-secret", now, content_type=FORM),
        "non-ASCII signature": good | {"X-Slack-Signature": "v0=é".encode("latin-1")},
    }
    return cases[case]


@pytest.mark.parametrize(
    "case",
    [
        "non-numeric timestamp",
        "huge timestamp",
        "signed timestamp",
        "no timestamp",
        "no signature",
        "no signature headers",
        "stale",
        "from the future",
        "forged",
        "non-ASCII signature",
    ],
)
def test_an_unverified_request_gets_401_and_nothing_is_sent_to_slack_or_its_response_url(
    world: World, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    with ResponseUrlListener() as hook:
        body = hostile_click(hook.url)
        world.slack.fail_next("chat.postEphemeral", error="channel_not_found")
        world.slack.reset_calls()
        caplog.clear()
        with caplog.at_level(logging.INFO):
            response = post(world, body, unverified_headers(case, body))
    assert response.status_code == 401
    assert response.json() == {"error": "invalid request"}
    assert world.slack.calls == []
    assert hook.received == []
    assert_one_short_line(caplog)


UNSIGNED_SHAPES = {
    "a JSON list": (b'[1, 2, "' + MARKER.encode() + b'"]', JSON),
    "a JSON string": (json.dumps(MARKER).encode(), JSON),
    "payload=null": (b"payload=null&x=" + MARKER.encode(), FORM),
    "enterprise 5": (b'{"enterprise": 5, "x": "' + MARKER.encode() + b'"}', JSON),
    "deeply nested JSON": (b"[" * 100_000 + MARKER.encode(), JSON),
    "not UTF-8": (b'{"type": "\xff\xfe", "x": "' + MARKER.encode() + b'"}', JSON),
}
SIGNED_ONLY_SHAPES = {
    "no actions": (b'{"type": "block_actions", "user": {"id": "U1"}, "actions": []}', JSON),
    "a user that is a string": (
        b'{"type": "block_actions", "user": "U1", "trigger_id": "1", '
        b'"actions": [{"action_id": "step.approve", "value": "x"}]}',
        JSON,
    ),
    "an event that is a string": (b'{"type": "event_callback", "event": "type"}', JSON),
    "a view with state null": (
        b'{"type": "view_submission", "user": {"id": "U1"}, "trigger_id": "1", '
        b'"view": {"callback_id": "request.submit", "state": null}}',
        JSON,
    ),
    "a command with a NUL in its trigger": (
        b"command=%2Flicense&user_id=U1&text=&trigger_id=1%00",
        FORM,
    ),
    "JSON nested 200 deep": (b'{"a": ' * 200 + b"1" + b"}" * 200, JSON),
}


@pytest.mark.parametrize("shape", UNSIGNED_SHAPES)
def test_an_unsigned_malformed_body_gets_401_with_one_short_log_line(
    world: World, caplog: pytest.LogCaptureFixture, shape: str
) -> None:
    body, content_type = UNSIGNED_SHAPES[shape]
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = post(world, body, {"Content-Type": content_type})
    assert response.status_code == 401
    assert "Traceback" not in response.text
    assert_one_short_line(caplog)


@pytest.mark.parametrize("shape", [*UNSIGNED_SHAPES, *SIGNED_ONLY_SHAPES])
def test_a_signed_body_slack_would_never_send_gets_400_before_any_listener_runs(
    world: World, caplog: pytest.LogCaptureFixture, shape: str
) -> None:
    body, content_type = (UNSIGNED_SHAPES | SIGNED_ONLY_SHAPES)[shape]
    world.slack.reset_calls()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = world.sender.send((body, content_type))
    assert response.status_code == 400
    assert response.json() == {"error": "malformed payload"}
    assert world.slack.calls == []
    assert_one_short_line(caplog)


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_a_body_over_the_cap_gets_413_and_is_not_logged(
    world: World, caplog: pytest.LogCaptureFixture, signed: bool
) -> None:
    body = (MARKER * (MAX_BODY_BYTES // len(MARKER) + 1)).encode()
    headers = sign(body, SIGNING_SECRET, content_type=FORM) if signed else {"Content-Type": FORM}
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = post(world, body, headers)
    assert response.status_code == 413
    assert response.json() == {"error": "request body too large"}
    assert_one_short_line(caplog)


def test_a_body_at_the_cap_is_still_read_and_verified(world: World) -> None:
    body = b"x" * MAX_BODY_BYTES
    assert post(world, body, {"Content-Type": FORM}).status_code == 401


def test_a_streamed_body_is_not_read_past_the_cap(world: World) -> None:
    chunk, offered = b"x" * 65536, 4 * MAX_BODY_BYTES
    read = 0
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        nonlocal read
        read += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": read < offered}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    # No Content-Length (a chunked upload): only counting while reading can stop it.
    asyncio.run(create_app(world.app)(streamed_post(), receive, send))
    assert sent[0]["status"] == 413
    assert read <= MAX_BODY_BYTES + len(chunk)


def streamed_post() -> dict[str, object]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/slack/events",
        "raw_path": b"/slack/events",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-type", FORM.encode()), (b"transfer-encoding", b"chunked")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


def test_signature_freshness_follows_slacks_clock_not_the_apps(world: World) -> None:
    world.clock.advance(days=3650)
    assert world.sender.command("/license", "help").status_code == 200
    stale = int(time.time()) - 301
    assert world.sender.command("/license", "help", timestamp=stale).status_code == 401
