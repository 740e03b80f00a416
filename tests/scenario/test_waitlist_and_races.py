"""Seats that run out, and decisions racing each other."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from bot.web.app import create_app
from messages import ids
from store.tables import seats
from tests.database import POSTGRES_URL
from tests.fakes.slack_requests import SlackSender
from tests.scenario.world import (
    ADMIN,
    ALICE,
    DANA,
    IT_CHANNEL,
    MALLORY,
    SIGNING_SECRET,
    World,
)


def test_with_no_free_seat_the_request_is_waitlisted_and_gets_the_next_free_seat(
    one_seat_world: World,
) -> None:
    world = one_seat_world
    world.request(ALICE, "miro:standard")
    world.drain()
    world.approve_latest(DANA)
    world.click(ADMIN, world.it_tasks()[0], ids.TASK_DONE)
    world.drain()

    world.request(MALLORY, "miro:standard")  # no manager: the admins approve
    world.drain()
    world.approve_latest(ADMIN)
    mallory = " ".join(m["text"] for m in world.thread(MALLORY)).lower()
    assert "waitlist" in mallory
    assert any("waitlist" in m["text"].lower() for m in world.slack.messages(IT_CHANNEL))
    assert world.it_tasks() == []

    with world.app.engine.begin() as connection:  # the seat is freed (as a reclaim would)
        connection.execute(update(seats).values(status="revoked"))
    world.app.passes.reminders()
    world.drain()
    assert len(world.it_tasks()) == 1
    assert f"<@{MALLORY}>" in world.it_tasks()[0]["text"]


@pytest.mark.skipif(not POSTGRES_URL, reason="needs SEATKEEPER_TEST_DATABASE_URL (PostgreSQL)")
def test_two_concurrent_clicks_on_the_same_step_make_one_decision(world: World) -> None:
    world.request(ALICE, "miro:standard")
    world.drain()
    message = [m for m in world.thread(DANA) if world.button(m, ids.STEP_APPROVE)][-1]
    value = world.button(message, ids.STEP_APPROVE)
    # Both apps are built here, one after the other: FastAPI silences a pydantic warning while
    # it builds routes with `warnings.catch_warnings()`, which is not thread-safe.
    apps = [create_app(world.app), create_app(world.app)]
    start = threading.Barrier(2, timeout=60)
    statuses: list[int] = []

    def click(user: str, n: int) -> None:
        with TestClient(apps[n]) as client:
            sender = SlackSender(
                client, SIGNING_SECRET, user_id=user, trigger_ids=world.slack.new_trigger_id
            )
            start.wait()
            response = sender.click(
                ids.STEP_APPROVE,
                value,
                action_ts=f"1700000000.00000{n}",
                container={
                    "type": "message",
                    "message_ts": message["ts"],
                    "channel_id": message["channel"],
                },
            )
            statuses.append(response.status_code)

    threads = [threading.Thread(target=click, args=(who, n)) for n, who in enumerate((DANA, ADMIN))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    world.drain()
    assert statuses == [200, 200]
    assert len([e for e in world.audit() if e["action"] == "step.approved"]) == 1
    assert len(world.it_tasks()) == 1
