"""Text typed in Slack that is stored: a bad reason is refused inline and nothing changes; a
profile name nobody here can correct is stored cleaned."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from messages import ids
from store import tables
from tests.fakes.slack_requests import text_input
from tests.scenario.world import ALICE, DANA, World

BAD_REASONS = [
    pytest.param("x" * 1001, "1,001 characters", id="one-character-too-long"),
    pytest.param("No\x00budget", "U+0000", id="nul"),
    pytest.param("Not\x07now", "U+0007", id="bell"),
    pytest.param("Half\ud800a pair", "U+D800", id="lone-surrogate"),
    pytest.param("\u200b\u200d\u2060\ufeff", "Please", id="only-zero-width"),
    pytest.param(" \u200b\n\t\u3000 ", "Please", id="only-blanks-and-zero-width"),
]


def _deny_modal(world: World) -> dict[str, Any]:
    world.request(ALICE, "figma:professional")
    world.drain()
    world.click(DANA, world.approvals_for(DANA)[-1], ids.STEP_DENY)
    return world.slack.calls_to("views.open")[-1]["view"]


def _deny(world: World, modal: dict[str, Any], reason: str) -> Any:
    state = {ids.DENY_REASON: {ids.DENY_REASON: text_input(reason)}}
    return world.as_user(DANA).submit(ids.DENY_MODAL, state, modal["private_metadata"])


def _count(world: World, table: Any) -> int:
    with world.app.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize(("reason", "said"), BAD_REASONS)
def test_a_deny_reason_that_cannot_be_one_is_refused_inline_and_the_step_stays_undecided(
    world: World, reason: str, said: str
) -> None:
    modal = _deny_modal(world)
    jobs_before = _count(world, tables.jobs)

    refused = _deny(world, modal, reason)

    assert refused.status_code == 200
    answer = refused.json()
    assert answer["response_action"] == "errors"
    assert said in answer["errors"][ids.DENY_REASON]
    assert [e["action"] for e in world.audit()] == ["request.submitted"]
    assert _count(world, tables.jobs) == jobs_before
    assert world.approvals_for(DANA)

    decided = _deny(world, modal, "Use the team licence")
    world.drain()

    assert decided.status_code == 200 and decided.content in (b"", b"null")
    assert [e["action"] for e in world.audit()][-2:] == ["step.denied", "request.denied"]
    assert not world.approvals_for(DANA)


@pytest.mark.parametrize(("reason", "said"), BAD_REASONS)
def test_a_request_reason_that_cannot_be_one_is_refused_inline_and_nothing_is_stored(
    world: World, reason: str, said: str
) -> None:
    refused = world.request(ALICE, "figma:professional", reason)

    assert refused.status_code == 200
    answer = refused.json()
    assert answer["response_action"] == "errors"
    assert said in answer["errors"][ids.REASON]
    assert _count(world, tables.requests) == 0
    assert _count(world, tables.jobs) == 0

    stored = world.request(ALICE, "figma:professional", "Prototyping the onboarding")

    assert stored.status_code == 200
    assert _count(world, tables.requests) == 1
    assert [e["action"] for e in world.audit()] == ["request.submitted"]


def test_a_reason_of_exactly_the_limit_with_line_breaks_and_emoji_is_accepted(
    world: World,
) -> None:
    reason = ("Design review\r\n\t- the 👩‍💻 team " * 40)[:1000]

    answer = world.request(ALICE, "figma:professional", reason)

    assert answer.status_code == 200 and answer.content in (b"", b"null")
    assert _count(world, tables.requests) == 1


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("Gus\x00Grant", id="nul"),
        pytest.param("Gus\x1b[31m Grant\ud800", id="escape-and-lone-surrogate"),
        pytest.param("G" * 300, id="wider-than-its-column"),
    ],
)
def test_a_newcomer_whose_slack_name_the_database_cannot_hold_still_gets_their_request_stored(
    world: World, name: str
) -> None:
    world.slack.add_user("U0GUS0001", "gus@acme.test", name)

    answer = world.request("U0GUS0001", "figma:professional", "Design work")

    assert answer.status_code == 200 and answer.content in (b"", b"null")
    assert _count(world, tables.requests) == 1
    with world.app.engine.connect() as connection:
        stored = connection.execute(
            select(tables.people.c.name).where(tables.people.c.email == "gus@acme.test")
        ).scalar_one()
    assert stored.startswith("G") and len(stored) <= 200
    assert not any(char in stored for char in "\x00\x1b\ud800")
