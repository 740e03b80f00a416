"""When a listener fails, the person hears about it privately, and only through Slack."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from messages import ids
from tests.fakes.response_url import ResponseUrlListener
from tests.fakes.slack_requests import FORM
from tests.scenario.world import ALICE, DANA, World


def failing_click(response_url: str) -> tuple[bytes, str]:
    """A signed-to-be click whose button value is no step, so the listener fails."""
    payload = {
        "type": "block_actions",
        "user": {"id": ALICE},
        "channel": {"id": "C0GONE001"},
        "trigger_id": "1.2.3",
        "actions": [{"action_id": ids.STEP_APPROVE, "value": "not-a-step", "action_ts": "1.2"}],
        "response_url": response_url,
    }
    return urlencode({"payload": json.dumps(payload)}).encode(), FORM


def test_the_error_handler_does_not_follow_a_response_url_outside_slack(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with ResponseUrlListener() as elsewhere:
        world.slack.fail_next("chat.postEphemeral", error="channel_not_found")
        response = world.sender.send(failing_click(elsewhere.url))
    assert response.status_code == 200
    assert elsewhere.received == []
    assert any(r.getMessage().startswith(f"could not tell {ALICE}") for r in caplog.records)


def test_the_error_handler_replies_through_a_response_url_at_the_slack_api_origin(
    world: World,
) -> None:
    world.slack.fail_next("chat.postEphemeral", error="channel_not_found")
    response = world.sender.send(failing_click(f"{world.slack.url}hooks/T1/abc"))
    assert response.status_code == 200
    (reply,) = world.slack.calls_to("hooks/T1/abc")
    assert reply["response_type"] == "ephemeral" and "went wrong" in reply["text"]


def test_cancel_on_a_request_approved_a_moment_ago_tells_the_requester_why_privately(
    world: World,
) -> None:
    world.request(ALICE, "miro:standard")
    world.drain()
    root = world.thread(ALICE)[0]  # still offering Cancel: the approval below is not told yet
    world.click(DANA, world.approvals_for(DANA)[-1], ids.STEP_APPROVE)

    world.click(ALICE, root, ids.REQUEST_CANCEL)

    told = world.slack.ephemerals[-1]
    assert told["user"] == ALICE
    assert "Request #1 is manual task; it can't be cancelled now." in told["text"]
    assert "went wrong" not in told["text"]
    assert "request.cancelled" not in [e["action"] for e in world.audit()]
