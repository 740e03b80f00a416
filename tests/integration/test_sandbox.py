"""The sandbox plays Slack for the unmodified app over HTTP: what people do arrives signed at
/slack/events, the app's Web API calls reach the workspace through SLACK_API_URL, and the
page's state shows each person what Slack would show them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.sandbox.deliveries import slash_command
from bot.sandbox.demo_org import PEOPLE, person, slack_id
from messages import ids
from tests.integration.sandbox_harness import (
    ADA,
    ALICE,
    BEN,
    CONFIG,
    DAN,
    IT_CHANNEL,
    AddSeat,
    Served,
    add_seat,
    served_demo,
    served_sandbox,
)


@pytest.fixture
def served(tmp_path: Path, database_url: str) -> Iterator[Served]:
    with served_sandbox(tmp_path, database_url) as running:
        yield running


def open_request_form(served: Served, user: str = ALICE) -> dict[str, Any]:
    answer = served.post("command", {"user": user, "channel": "D" + user[1:], "text": "/license"})
    assert answer.json() == {"ok": True}
    modal = served.state(user)["modal"]
    assert modal is not None
    return dict(modal)


def request_figma(served: Served, reason: str | None = "Design work") -> httpx.Response:
    modal = open_request_form(served)
    values = {ids.APP_TIER: {ids.APP_TIER: "figma:professional"}, ids.REASON: {ids.REASON: reason}}
    return served.post("submit", {"user": ALICE, "view_id": modal["id"], "values": values})


def buttons(message: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Button text -> (block id, action id), as the page finds them."""
    found = {}
    for block in message["blocks"]:
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("type") == "button":
                found[element["text"]["text"]] = (block["block_id"], element["action_id"])
    return found


def click(served: Served, user: str, channel: str, message: dict[str, Any], text: str) -> None:
    block_id, action_id = buttons(message)[text]
    source = {"type": "message", "channel": channel, "ts": message["ts"]}
    body = {"user": user, "source": source, "block_id": block_id, "action_id": action_id}
    assert served.post("action", body).json() == {"ok": True}


def test_a_slash_command_is_signed_to_slack_events_and_its_modal_opened_through_the_web_api(
    served: Served,
) -> None:
    modal = open_request_form(served)

    assert modal["title"]["text"] == "Request software"
    workspace = served.app.sandbox.workspace
    opened = [c for c in workspace.calls if c.method == "views.open"]
    assert len(opened) == 1 and opened[0].error is None
    assert served.app.container.settings.slack_api_url == f"{served.url}/sandbox/slack/api/"


def test_the_app_under_the_sandbox_still_refuses_forged_and_unsigned_requests(
    served: Served,
) -> None:
    sandbox = served.app.sandbox
    member = {"id": ALICE, "name": "alice"}
    channel = {"id": "D" + ALICE[1:], "name": "directmessage"}
    delivery = slash_command(
        sandbox.team, member, channel, "/license", "", trigger_id="1.2.3", response_url="x"
    )

    unsigned = served.http.post(
        "/slack/events", content=delivery.body, headers={"Content-Type": delivery.content_type}
    )
    forged = served.http.post(
        "/slack/events", content=delivery.body, headers=delivery.headers("not-the-secret")
    )
    stale = served.http.post(
        "/slack/events",
        content=delivery.body,
        headers=delivery.headers(sandbox.signing_secret, int(time.time()) - 400),
    )
    signed = served.http.post(
        "/slack/events", content=delivery.body, headers=delivery.headers(sandbox.signing_secret)
    )

    assert [unsigned.status_code, forged.status_code, stale.status_code] == [401, 401, 401]
    assert signed.status_code == 200


def test_a_request_reaches_the_approver_and_the_approval_the_requesters_thread(
    served: Served,
) -> None:
    assert request_figma(served).json() == {"ok": True}
    served.drain()
    assert served.state(ALICE)["modal"] is None

    [asked] = served.dm(DAN)
    click(served, DAN, "D" + DAN[1:], asked, "Approve")
    served.drain()

    [root] = served.dm(ALICE)
    assert root["text"].startswith("Request #1")
    replies = " ".join(reply["text"] for reply in root["replies"])
    assert "approved" in replies.lower()
    calls = served.state(ALICE)["vendor_calls"]
    assert [(c["action"], c["email"]) for c in calls] == [("assign", "alice@example.com")]


def test_with_an_approvals_channel_the_request_is_decided_there_and_its_buttons_go(
    tmp_path: Path, database_url: str
) -> None:
    channel = "C0APPROV1"
    config = CONFIG.replace(
        f"slack: {{it_channel: {IT_CHANNEL}}}",
        f"slack: {{it_channel: {IT_CHANNEL}, approvals_channel: {channel}}}",
    )
    assert channel in config
    with served_sandbox(tmp_path, database_url, config) as served:
        request_figma(served)
        served.drain()
        dan = served.state(DAN)
        assert dan["names"][channel] == "approvals" and dan["messages"]["D" + DAN[1:]] == []
        [asked] = dan["messages"][channel]
        assert "Approve" in buttons(asked)

        click(served, DAN, channel, asked, "Approve")
        served.drain()

        [decided] = served.state(DAN)["messages"][channel]
        assert decided["ts"] == asked["ts"] and buttons(decided) == {}
        [root] = served.dm(ALICE)
        assert "approved" in " ".join(reply["text"] for reply in root["replies"]).lower()


def test_a_request_without_a_reason_shows_the_apps_error_next_to_the_field(
    served: Served,
) -> None:
    answer = request_figma(served, reason="   ")

    assert answer.json() == {"ok": True}
    modal = served.state(ALICE)["modal"]
    assert modal is not None and set(modal["errors"]) == {ids.REASON}
    assert served.dm(DAN) == []


def test_each_person_sees_their_own_dm_and_the_it_channel(served: Served) -> None:
    request_figma(served)
    served.drain()

    alice, ben = served.state(ALICE), served.state(BEN)

    assert [c["id"] for c in alice["conversations"]] == ["D" + ALICE[1:], IT_CHANNEL]
    assert len(alice["messages"]["D" + ALICE[1:]]) == 1
    assert list(ben["messages"]) == ["D" + BEN[1:], IT_CHANNEL]
    assert ben["messages"]["D" + BEN[1:]] == []
    assert alice["names"][DAN] == "Dan Diaz" and alice["names"][IT_CHANNEL] == "it"


def test_a_command_answered_in_its_acknowledgement_is_shown_to_that_person_alone(
    served: Served,
) -> None:
    served.post("command", {"user": BEN, "channel": IT_CHANNEL, "text": "/license digest"})

    [refused] = served.state(BEN)["ephemerals"]
    assert refused["channel"] == IT_CHANNEL and "admin" in refused["text"].lower()
    assert served.state(ALICE)["ephemerals"] == []


def test_the_digest_on_demand_is_posted_in_the_it_channel(served: Served) -> None:
    served.post("command", {"user": ADA, "channel": IT_CHANNEL, "text": "/license digest"})
    served.drain()

    posted = served.state(ADA)["messages"][IT_CHANNEL]
    assert posted and "digest" in json.dumps(posted).lower()


def test_a_clock_jump_runs_the_reclaim_pass_that_came_due_and_sends_its_questions(
    served: Served,
) -> None:
    served.app.container.runner(add_seat, AddSeat("figma", "ben@example.com", "professional", 60))

    jump = served.post("clock", {"hours": 24}).json()

    assert jump["ran"]["reclaim"] == 1
    [question] = served.dm(BEN)
    assert {"Keep it", "Release it"} <= set(buttons(question))
    assert served.state(BEN)["ahead_seconds"] > 23 * 3600
    assert served.state(ADA)["messages"][IT_CHANNEL] == []  # no digest on a jump


def test_a_seat_nobody_answers_for_is_reclaimed_after_its_deadline(served: Served) -> None:
    served.app.container.runner(add_seat, AddSeat("figma", "ben@example.com", "professional", 60))
    served.post("clock", {"hours": 24})

    served.post("clock", {"hours": 24 * 9})

    calls = served.state(BEN)["vendor_calls"]
    assert [(c["action"], c["email"]) for c in calls] == [("revoke", "ben@example.com")]


def test_a_release_answered_through_the_response_url_replaces_the_ephemeral_list(
    served: Served,
) -> None:
    served.app.container.runner(add_seat, AddSeat("miro", "ben@example.com", "standard", 1))
    served.post("command", {"user": BEN, "channel": "D" + BEN[1:], "text": "/license mine"})
    [mine] = served.state(BEN)["ephemerals"]
    block_id, action_id = buttons(mine)["Release"]

    body = {"user": BEN, "source": {"type": "ephemeral", "id": mine["id"]}}
    body |= {"block_id": block_id, "action_id": action_id}
    assert served.post("action", body).json() == {"ok": True}

    [after] = served.state(BEN)["ephemerals"]
    assert after["id"] == mine["id"] and "Release" not in buttons(after)


def test_content_slack_would_refuse_is_refused_and_shown_on_the_page(served: Served) -> None:
    sandbox = served.app.sandbox
    too_long = {"channel": IT_CHANNEL, "text": "x", "blocks": [{"type": "header", "text": "no"}]}

    status, body, _ = sandbox.web_api("chat.postMessage", too_long, sandbox.workspace.token)

    assert (status, body["ok"], body["error"]) == (200, False, "invalid_blocks")
    [problem] = served.state(ADA)["problems"]
    assert problem["where"] == "chat.postMessage" and problem["details"]


def test_an_expired_trigger_id_is_shown_as_a_refusal(served: Served) -> None:
    sandbox = served.app.sandbox
    trigger = sandbox.workspace.new_trigger_id()
    sandbox.workspace._triggers[trigger] = time.monotonic() - 10

    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": []}
    sandbox.web_api("views.open", {"trigger_id": trigger, "view": modal}, sandbox.workspace.token)

    assert served.state(ALICE)["problems"][0]["error"] == "expired_trigger_id"


def test_the_page_is_told_when_something_changed(served: Served) -> None:
    version = served.state(ALICE)["version"]
    served.post("command", {"user": ALICE, "channel": "D" + ALICE[1:], "text": "/license help"})

    changed = served.http.get("/sandbox/api/changes", params={"since": version}).json()

    assert changed["version"] > version


def test_a_person_cannot_act_on_someone_elses_dm(served: Served) -> None:
    request_figma(served)
    served.drain()
    [asked] = served.dm(DAN)
    block_id, action_id = buttons(asked)["Approve"]
    source = {"type": "message", "channel": "D" + DAN[1:], "ts": asked["ts"]}

    body = {"user": ALICE, "source": source, "block_id": block_id, "action_id": action_id}
    answer = served.post("action", body)

    assert answer.status_code == 400 and "someone else" in answer.json()["error"]


def test_actions_are_taken_as_json_only(served: Served) -> None:
    body = json.dumps({"user": ALICE, "channel": "D" + ALICE[1:], "text": "/license"})

    answer = served.http.post(
        "/sandbox/api/command", content=body, headers={"Content-Type": "text/plain"}
    )

    assert answer.status_code in (415, 422)
    assert served.state(ALICE)["modal"] is None


def test_the_served_sandbox_answers_no_request_that_names_another_host(served: Served) -> None:
    # What a page elsewhere would send through a browser here after rebinding its name.
    rebound = served.http.get("/sandbox/api/people", headers={"Host": "seatkeeper.example"})
    signed_elsewhere = served.http.post(
        "/slack/events", content=b"{}", headers={"Host": "seatkeeper.example"}
    )

    assert (rebound.status_code, signed_elsewhere.status_code) == (403, 403)
    assert served.http.get("/sandbox/api/people").status_code == 200


@pytest.fixture
def demo(tmp_path: Path, database_url: str) -> Iterator[Served]:
    with served_demo(tmp_path, database_url) as running:
        running.drain()  # the seeded history's messages
        yield running
        assert running.state(slack_id("tom"))["problems"] == [], "Slack would refuse some"


def texts(served: Served, handle: str) -> str:
    """Everything in `handle`'s DM with the app, threads included, as one string."""
    messages = served.dm(slack_id(handle))
    return " ".join(m["text"] for root in messages for m in [root, *root["replies"]])


def test_the_demo_shows_everyone_at_acme_and_the_history_it_was_seeded_with(
    demo: Served,
) -> None:
    people = demo.http.get("/sandbox/api/people").json()["people"]

    assert sorted(p["id"] for p in people) == sorted(p.slack_user_id for p in PEOPLE)
    assert "Figma Professional" in texts(demo, "priya")  # Mateo's request, half approved
    assert "Jira Premium" in texts(demo, "elena")  # Noah's, not decided yet
    it = demo.state(slack_id("tom"))["messages"]["C0DEMOIT1"]
    assert any("Miro Standard" in m["text"] and "done" in m["text"] for m in it)  # Connor's


def test_two_weeks_of_the_demo_ask_about_idle_seats_then_take_back_the_unanswered(
    demo: Served,
) -> None:
    first = demo.post("clock", {"hours": 24 * 7}).json()

    assert first["ran"]["reclaim"] == 5  # 09:00 UTC on five days of any week
    assert "Notion Plus" in texts(demo, "kevin") and "Jira Standard" in texts(demo, "ben")
    assert texts(demo, "olivia") == ""  # idle, but exempt
    assert demo.state(slack_id("ben"))["vendor_calls"] == []

    demo.post("clock", {"hours": 24 * 7})

    shown = demo.state(slack_id("tom"))["vendor_calls"]
    calls = {(c["app_key"], c["action"], c["email"]) for c in shown}
    assert ("jira", "revoke", person("ben").email) in calls
    assert ("figma", "change_tier", person("ethan").email) in calls  # Figma downgrades
    assert not any(email == person("olivia").email for _, _, email in calls)
    assert not any(app == "1password" for app, _, _ in calls)  # reclaim is off for it
