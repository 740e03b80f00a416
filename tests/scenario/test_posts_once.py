"""Every Slack post happens once, even when Slack took it and the answer never came back.

Slack can take a message and the app never hear so (a dropped connection, or a crash before the
answer is recorded); the job then runs again. Each test below walks a journey once cleanly, then
again with the answer to the n-th post dropped, and the conversations must end up the same.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from messages import ids
from tests.database import fresh_database_url
from tests.scenario.observed import conversations
from tests.scenario.world import (
    ADMIN,
    ALICE,
    APPROVALS_CHANNEL,
    DANA,
    FIONA,
    World,
    running_world,
)

Journey = Callable[[World], None]
DRAIN_ROUNDS = 6  # enough for every retry of a dropped answer (backoff 30 s, then 60 s, ...)


def _settle(world: World) -> None:
    """Run every job, letting the clock pass each retry's backoff."""
    for _ in range(DRAIN_ROUNDS):
        world.drain()
        world.clock.advance(minutes=3)
    world.drain()


def _approval(world: World, approver: str) -> dict[str, Any]:
    """The newest message with live Approve buttons for `approver` (DM or approvals channel)."""
    found = world.approvals_for(approver) or [
        m
        for m in world.slack.messages(APPROVALS_CHANNEL)
        if world.button(m, ids.STEP_APPROVE) and f"<@{approver}>" in str(m["blocks"])
    ]
    return found[-1]


def _figma_approved_twice(world: World) -> None:
    """DM root and replies, two approval messages closed in place, a SCIM seat."""
    world.request(ALICE, "figma:professional")
    _settle(world)
    world.click(DANA, _approval(world, DANA), ids.STEP_APPROVE)
    _settle(world)
    world.click(FIONA, _approval(world, FIONA), ids.STEP_APPROVE)
    _settle(world)


def _miro_by_hand_after_a_reminder(world: World) -> None:
    """A reminder, then an IT task with a Done button, marked done in place."""
    world.request(ALICE, "miro:standard")
    _settle(world)
    world.clock.advance(hours=25)
    world.app.passes.reminders()
    _settle(world)
    world.click(DANA, _approval(world, DANA), ids.STEP_APPROVE)
    _settle(world)
    world.click(ADMIN, world.it_tasks()[-1], ids.TASK_DONE)
    _settle(world)


def _posts(world: World) -> int:
    return len(world.slack.calls_to("chat.postMessage"))


def _fresh(tmp_path: Path, name: str) -> str:
    (tmp_path / name).mkdir()
    return fresh_database_url(tmp_path / name)


def _clean_run(tmp_path: Path, journey: Journey, **options: Any) -> tuple[Any, int]:
    with running_world(_fresh(tmp_path, "clean"), **options) as world:
        journey(world)
        return conversations(world.slack), _posts(world)


def _run_dropping(tmp_path: Path, journey: Journey, n: int, **options: Any) -> Any:
    """The journey with the answer to the n-th chat.postMessage (from 0) dropped."""
    with running_world(_fresh(tmp_path, f"drop{n}"), **options) as world:
        dropped = {"posts": 0}

        def drop_the_nth(call: Any) -> None:
            if call.method == "chat.postMessage":
                if dropped["posts"] == n:
                    world.slack.drop_answer_to_next("chat.postMessage")
                dropped["posts"] += 1

        world.slack.before_reply = drop_the_nth
        journey(world)
        return conversations(world.slack)


JOURNEYS = {
    "figma, approved by manager and owner": (_figma_approved_twice, {}),
    "miro, reminded, then done by IT": (_miro_by_hand_after_a_reminder, {}),
    "figma, in the approvals channel": (
        _figma_approved_twice,
        {"approvals_channel": APPROVALS_CHANNEL},
    ),
}


@pytest.mark.parametrize("name", JOURNEYS)
def test_no_post_is_repeated_when_slack_took_it_but_its_answer_was_lost(
    tmp_path: Path, name: str
) -> None:
    journey, options = JOURNEYS[name]
    expected, posts = _clean_run(tmp_path, journey, **options)
    assert posts >= 5, "the journey posts several messages"

    for n in range(posts):
        got = _run_dropping(tmp_path, journey, n, **options)
        assert got == expected, f"{name}: answer to post #{n} dropped"
