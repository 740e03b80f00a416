"""Request → approval → seat, driven the way Slack drives the app."""

from __future__ import annotations

import itertools

import httpx

from messages import ids
from tests.fakes.slack_requests import text_input
from tests.scenario.world import ADMIN, ALICE, DANA, FIONA, IT_CHANNEL, MALLORY, World


def _approval_messages(world: World, user: str) -> list[dict]:
    return [
        m for m in world.thread(user) if "request #" in m["text"].lower() and not m.get("thread_ts")
    ]


def test_a_request_approved_by_manager_and_owner_gets_a_scim_seat(world: World) -> None:
    response = world.request(ALICE, "figma:professional", "Prototyping the new onboarding")
    assert response.status_code == 200
    assert world.drain() > 0

    root = world.thread(ALICE)[0]
    assert "Request #1" in root["text"] and "Figma Professional" in root["text"]
    assert f"<@{DANA}>" in root["text"]

    world.click(DANA, world.approvals_for(DANA)[-1], ids.STEP_APPROVE)
    world.drain()
    world.click(FIONA, world.approvals_for(FIONA)[-1], ids.STEP_APPROVE)
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
    message = world.approvals_for(DANA)[-1]
    world.click(MALLORY, message, ids.STEP_APPROVE)
    ephemeral = world.slack.calls_to("chat.postEphemeral")
    assert ephemeral and ephemeral[-1]["user"] == MALLORY
    assert [e["action"] for e in world.audit()] == ["request.submitted"]


def test_a_manual_app_becomes_an_it_task_and_done_completes_it(world: World) -> None:
    world.request(ALICE, "miro:standard")
    world.drain()
    world.click(DANA, world.approvals_for(DANA)[-1], ids.STEP_APPROVE)
    world.drain()
    task = [m for m in world.slack.messages(IT_CHANNEL) if world.button(m, ids.TASK_DONE)]
    assert len(task) == 1
    world.click(ADMIN, task[0], ids.TASK_DONE)
    world.drain()
    assert world.button(world.slack.messages(IT_CHANNEL)[0], ids.TASK_DONE) is None
    assert any("live" in m["text"].lower() for m in world.thread(ALICE))


def _thread_texts(world: World, user: str) -> list[str]:
    return [m["text"] for m in world.thread(user)]


def test_deny_asks_for_a_reason_then_tells_the_requester_and_closes_the_buttons(
    world: World,
) -> None:
    world.request(ALICE, "figma:professional")
    world.drain()
    message = world.approvals_for(DANA)[-1]
    world.click(DANA, message, ids.STEP_DENY)
    modal = world.slack.calls_to("views.open")[-1]["view"]
    assert modal["callback_id"] == ids.DENY_MODAL

    empty = world.as_user(DANA).submit(
        ids.DENY_MODAL,
        {ids.DENY_REASON: {ids.DENY_REASON: text_input("  ")}},
        modal["private_metadata"],
    )
    assert empty.json()["response_action"] == "errors"

    world.as_user(DANA).submit(
        ids.DENY_MODAL,
        {ids.DENY_REASON: {ids.DENY_REASON: text_input("Use the team licence")}},
        modal["private_metadata"],
    )
    world.drain()
    assert world.button(_approval_messages(world, DANA)[-1], ids.STEP_DENY) is None
    assert any("Use the team licence" in t for t in _thread_texts(world, ALICE))
    assert [e["action"] for e in world.audit()][-2:] == ["step.denied", "request.denied"]


def test_a_double_click_on_approve_makes_one_decision_one_vendor_call_and_one_message(
    world: World,
) -> None:
    world.request(ALICE, "figma:viewer")  # empty chain: approved at once
    world.drain()
    world.request(ALICE, "miro:standard")
    world.drain()
    message = world.approvals_for(DANA)[-1]
    world.click(DANA, message, ids.STEP_APPROVE)
    world.click(DANA, message, ids.STEP_APPROVE)
    world.drain()
    decisions = [e for e in world.audit() if e["action"] == "step.approved"]
    assert len(decisions) == 1
    tasks = [m for m in world.slack.messages(IT_CHANNEL) if "Miro" in m["text"]]
    assert len(tasks) == 1
    assert world.slack.ephemerals == []


def test_a_replayed_click_is_ignored(world: World) -> None:
    world.request(ALICE, "miro:standard")
    world.drain()
    message = world.approvals_for(DANA)[-1]
    value = world.button(message, ids.STEP_APPROVE)
    fields = {
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": "D1"},
        "action_ts": "1700000000.000001",
    }
    world.as_user(DANA).click(ids.STEP_APPROVE, value, **fields)
    world.as_user(DANA).click(ids.STEP_APPROVE, value, **fields)
    assert len([e for e in world.audit() if e["action"] == "step.approved"]) == 1


def test_the_requester_can_never_approve_their_own_request(world: World) -> None:
    world.request(ALICE, "miro:standard")
    world.drain()
    world.click(ALICE, world.approvals_for(DANA)[-1], ids.STEP_APPROVE)
    assert "your own request" in world.slack.ephemerals[-1]["text"]
    assert "step.approved" not in [e["action"] for e in world.audit()]


def test_an_admin_requesting_with_no_one_else_to_approve_alerts_it(world: World) -> None:
    world.request(ADMIN, "miro:standard")
    world.drain()
    assert all(world.button(m, ids.STEP_APPROVE) is None for m in world.thread(ADMIN))
    assert any("nobody who can approve" in m["text"] for m in world.slack.messages(IT_CHANNEL))


def test_the_requester_cancels_from_their_thread_and_approvers_lose_their_buttons(
    world: World,
) -> None:
    world.request(ALICE, "figma:professional")
    world.drain()
    root = world.thread(ALICE)[0]
    world.click(ALICE, root, ids.REQUEST_CANCEL)
    world.drain()
    assert world.button(_approval_messages(world, DANA)[-1], ids.STEP_APPROVE) is None
    assert world.button(world.thread(ALICE)[0], ids.REQUEST_CANCEL) is None
    assert "request.cancelled" in [e["action"] for e in world.audit()]


def test_only_the_requester_can_cancel(world: World) -> None:
    world.request(ALICE, "figma:professional")
    world.drain()
    world.click(MALLORY, world.thread(ALICE)[0], ids.REQUEST_CANCEL)
    assert world.slack.ephemerals[-1]["user"] == MALLORY
    assert "request.cancelled" not in [e["action"] for e in world.audit()]


def test_a_silent_approver_is_reminded_then_escalated_then_the_request_expires(
    world: World,
) -> None:
    world.request(ALICE, "figma:professional")
    world.drain()
    world.clock.advance(hours=25)
    world.app.passes.reminders()
    world.drain()
    assert any("Reminder" in t for t in _thread_texts(world, DANA))
    world.clock.advance(hours=24)
    world.app.passes.reminders()
    world.drain()
    assert _approval_messages(world, ADMIN), "the admins get the approval on escalation"
    world.clock.advance(days=6)
    world.app.passes.reminders()
    world.drain()
    texts = " ".join(_thread_texts(world, ALICE)).lower()
    assert "reminded" in texts and "with the admins" in texts and "expired" in texts
    for user in (DANA, ADMIN):
        assert all(world.button(m, ids.STEP_APPROVE) is None for m in world.thread(user))
    actions = [e["action"] for e in world.audit()]
    assert "step.escalated" in actions and "request.expired" in actions


def test_reminders_are_grouped_into_one_message_per_approver(world: World) -> None:
    world.request(ALICE, "figma:professional")
    world.request(ALICE, "miro:standard")
    world.drain()
    before = len(world.thread(DANA))
    world.clock.advance(hours=25)
    world.app.passes.reminders()
    world.drain()
    reminders = world.thread(DANA)[before:]
    assert len(reminders) == 1 and "2 requests" in reminders[0]["text"]


def test_a_vendor_that_keeps_failing_turns_the_request_into_an_it_task(world: World) -> None:
    world.scim_stop()
    world.request(ALICE, "figma:viewer")
    for _ in range(10):
        world.drain()
        world.clock.advance(hours=2)
    tasks = [m for m in world.slack.messages(IT_CHANNEL) if world.button(m, ids.TASK_DONE)]
    assert len(tasks) == 1 and "Figma" in tasks[0]["text"]
    assert any("IT" in t for t in _thread_texts(world, ALICE))


def test_a_vendor_failure_is_retried_and_then_succeeds(world: World) -> None:
    world.scim_stop()
    world.request(ALICE, "figma:professional")
    world.drain()
    world.click(DANA, world.approvals_for(DANA)[-1], ids.STEP_APPROVE)
    world.drain()
    world.click(FIONA, world.approvals_for(FIONA)[-1], ids.STEP_APPROVE)
    world.drain()
    world.scim_restart()
    world.clock.advance(minutes=5)
    world.drain()
    assert any("live" in t.lower() for t in _thread_texts(world, ALICE))
    assert not [m for m in world.slack.messages(IT_CHANNEL) if world.button(m, ids.TASK_DONE)]


def test_the_audit_trail_is_a_hash_chain(world: World) -> None:
    world.request(ALICE, "miro:standard")
    world.drain()
    world.click(DANA, world.approvals_for(DANA)[-1], ids.STEP_APPROVE)
    events = world.audit()
    assert len(events) >= 3
    for before, after in itertools.pairwise(events):
        assert after["prev_hash"] == before["hash"]
    assert all(e["actor"] and e["at"] for e in events)


def test_a_double_click_on_the_final_approve_makes_one_scim_assignment(world: World) -> None:
    vendor_writes: list[str] = []
    world.app.http.event_hooks["request"].append(
        lambda request: (
            vendor_writes.append(f"{request.method} {request.url.path}")
            if request.method != "GET"
            else None
        )
    )
    world.request(ALICE, "figma:professional")
    world.drain()
    world.click(DANA, world.approvals_for(DANA)[-1], ids.STEP_APPROVE)
    world.drain()
    final = world.approvals_for(FIONA)[-1]
    world.click(FIONA, final, ids.STEP_APPROVE)
    world.click(FIONA, final, ids.STEP_APPROVE)
    world.drain()
    assert [w for w in vendor_writes if w.endswith("/Users")] == ["POST /v2/Users"]
    assert len([e for e in world.audit() if e["action"] == "seat.assigned"]) == 1
    live = [m for m in world.thread(ALICE) if "live" in m["text"].lower() and m.get("thread_ts")]
    assert len(live) == 1


def test_an_approval_update_sent_late_still_names_who_was_next_when_it_happened(
    world: World,
) -> None:
    world.request(ALICE, "figma:professional")
    world.drain()
    world.click(DANA, world.approvals_for(DANA)[-1], ids.STEP_APPROVE)
    world.slack.fail_next("chat.postMessage", status=500)  # Alice's update must wait ...
    world.drain()
    world.click(FIONA, world.approvals_for(FIONA)[-1], ids.STEP_APPROVE)  # ... past this
    world.clock.advance(minutes=5)
    world.drain()

    replies = [m["text"] for m in world.thread(ALICE) if m.get("thread_ts")]
    assert replies[0].startswith(f"<@{DANA}> approved"), replies
    assert f"now waiting for <@{FIONA}>" in replies[0], replies
