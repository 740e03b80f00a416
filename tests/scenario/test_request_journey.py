"""Request → approval → seat, driven the way Slack drives the app."""

from __future__ import annotations

import httpx

from messages import ids
from tests.scenario.world import ADMIN, ALICE, DANA, FIONA, IT_CHANNEL, MALLORY, World


def _latest_approval(world: World, user: str) -> dict:
    messages = [m for m in world.thread(user) if world.button(m, ids.STEP_APPROVE)]
    assert messages, f"no approval buttons for {user}"
    return messages[-1]


def test_a_request_approved_by_manager_and_owner_gets_a_scim_seat(world: World) -> None:
    response = world.request(ALICE, "figma:professional", "Prototyping the new onboarding")
    assert response.status_code == 200
    assert world.drain() > 0

    root = world.thread(ALICE)[0]
    assert "Request #1" in root["text"] and "Figma Professional" in root["text"]
    assert f"<@{DANA}>" in root["text"]

    world.click(DANA, _latest_approval(world, DANA), ids.STEP_APPROVE)
    world.drain()
    world.click(FIONA, _latest_approval(world, FIONA), ids.STEP_APPROVE)
    world.drain()

    users = httpx.get(
        f"{world.scim.base_url}/Users",
        params={"filter": 'userName eq "alice@acme.test"'},
        headers={"Authorization": f"Bearer {world.scim.token}"},
    ).json()
    assert users["totalResults"] == 1
    replies = [m for m in world.thread(ALICE) if m.get("thread_ts") == root["ts"]]
    assert any("live" in m["text"].lower() for m in replies), [m["text"] for m in replies]
    assert all(
        world.button(m, ids.STEP_APPROVE) is None for m in world.thread(DANA) + world.thread(FIONA)
    )
    actions = [e["action"] for e in world.audit()]
    assert actions[:1] == ["request.submitted"]
    assert "step.approved" in actions and "seat.assigned" in actions


def test_someone_else_clicking_approve_is_refused_privately_and_nothing_changes(
    world: World,
) -> None:
    world.request(ALICE, "figma:professional")
    world.drain()
    message = _latest_approval(world, DANA)
    world.click(MALLORY, message, ids.STEP_APPROVE)
    ephemeral = world.slack.calls_to("chat.postEphemeral")
    assert ephemeral and ephemeral[-1]["user"] == MALLORY
    assert [e["action"] for e in world.audit()] == ["request.submitted"]


def test_a_manual_app_becomes_an_it_task_and_done_completes_it(world: World) -> None:
    world.request(ALICE, "miro:standard")
    world.drain()
    world.click(DANA, _latest_approval(world, DANA), ids.STEP_APPROVE)
    world.drain()
    task = [m for m in world.slack.messages(IT_CHANNEL) if world.button(m, ids.TASK_DONE)]
    assert len(task) == 1
    world.click(ADMIN, task[0], ids.TASK_DONE)
    world.drain()
    assert world.button(world.slack.messages(IT_CHANNEL)[0], ids.TASK_DONE) is None
    assert any("live" in m["text"].lower() for m in world.thread(ALICE))
