"""Where people meet Seatkeeper: the approvals channel, the App Home, the running worker."""

from __future__ import annotations

import time

from messages import ids
from tests.fakes.slack_requests import app_home_opened
from tests.scenario.world import ALICE, APPROVALS_CHANNEL, DANA, World


def test_with_an_approvals_channel_the_approval_is_posted_there_naming_the_approver(
    channel_world: World,
) -> None:
    world = channel_world
    world.request(ALICE, "miro:standard")
    world.drain()
    posted = world.slack.messages(APPROVALS_CHANNEL)
    assert len(posted) == 1 and world.button(posted[0], ids.STEP_APPROVE)
    assert f"<@{DANA}>" in str(posted[0]["blocks"])
    assert [m for m in world.thread(DANA) if world.button(m, ids.STEP_APPROVE)] == []
    world.click(DANA, posted[0], ids.STEP_APPROVE)
    world.drain()
    assert world.button(world.slack.messages(APPROVALS_CHANNEL)[0], ids.STEP_APPROVE) is None


def test_the_reminder_goes_into_the_approval_thread_in_the_channel(channel_world: World) -> None:
    world = channel_world
    world.request(ALICE, "miro:standard")
    world.drain()
    world.clock.advance(hours=25)
    world.app.passes.reminders()
    world.drain()
    root, *replies = world.slack.messages(APPROVALS_CHANNEL)
    assert replies and replies[0]["thread_ts"] == root["ts"]


def test_the_app_home_lists_the_seats_a_person_holds_and_cancels_from_there(
    world: World,
) -> None:
    world.request(ALICE, "figma:professional")
    world.drain()
    world.as_user(ALICE).send(app_home_opened(ALICE))
    home = world.slack.home_view(ALICE)
    assert home is not None
    value = next(
        element["value"]
        for block in home["blocks"]
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if element.get("action_id") == ids.REQUEST_CANCEL
    )
    world.as_user(ALICE).click(ids.REQUEST_CANCEL, value, container={"type": "view"})
    world.drain()
    assert ids.REQUEST_CANCEL not in str(world.slack.home_view(ALICE))
    assert "cancelled" in str(world.slack.home_view(ALICE)).lower()


def test_a_fulfilled_seat_shows_in_the_app_home(world: World) -> None:
    world.request(ALICE, "miro:standard")
    world.drain()
    approval = [m for m in world.thread(DANA) if world.button(m, ids.STEP_APPROVE)][-1]
    world.click(DANA, approval, ids.STEP_APPROVE)
    world.drain()
    task = next(m for m in world.slack.messages("C0ITOPS01") if world.button(m, ids.TASK_DONE))
    world.click("U0ADMIN01", task, ids.TASK_DONE)
    world.drain()
    world.as_user(ALICE).send(app_home_opened(ALICE))
    home = str(world.slack.home_view(ALICE))
    assert "You hold no seats yet" not in home
    assert "*Miro* Standard · since" in home


def test_the_running_worker_sends_the_messages_without_being_asked(world: World) -> None:
    world.app.worker.start()
    try:
        world.request(ALICE, "miro:standard")
        deadline = time.monotonic() + 10
        while not world.thread(DANA) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        world.app.worker.stop()
    assert world.thread(ALICE) and world.thread(DANA)


def test_an_escalation_in_the_approvals_channel_asks_the_admins_in_the_thread(
    channel_world: World,
) -> None:
    world = channel_world
    world.request(ALICE, "miro:standard")
    world.drain()
    world.clock.advance(hours=49)
    world.app.passes.reminders()
    world.drain()
    root, *replies = world.slack.messages(APPROVALS_CHANNEL)
    asks = [m for m in replies if world.button(m, ids.STEP_APPROVE)]
    assert len(asks) == 1 and asks[0]["thread_ts"] == root["ts"]
    assert "<@U0ADMIN01>" in str(asks[0]["blocks"])
    world.click("U0ADMIN01", asks[0], ids.STEP_APPROVE)
    world.drain()
    assert all(
        world.button(m, ids.STEP_APPROVE) is None for m in world.slack.messages(APPROVALS_CHANNEL)
    )
