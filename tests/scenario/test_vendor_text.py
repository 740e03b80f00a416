"""What a vendor says reaches the IT channel, the database and the log as inert, redacted text."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select

from messages import ids
from store import tables
from tests.fakes.refusing_vendor import RefusingVendor
from tests.scenario.world import ADMIN, ALICE, IT_CHANNEL, World

OLD_CUT = 300  # where vendor text used to be cut, before its secrets were replaced
MENTIONS = "<@U0ADMIN01> <!channel> <!here> <!subteam^S0ITOPS1|it-team> <!everyone>"


@contextmanager
def vendor_refusing(world: World, status: int, detail: str) -> Iterator[RefusingVendor]:
    """The SCIM service replaced, on its own address, by one that refuses everything so."""
    port = int(world.scim.base_url.split(":")[2].split("/")[0])
    world.scim_stop()
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "detail": detail}
    with RefusingVendor(status, body, port) as vendor:
        yield vendor


def straddling(token: str) -> str:
    """Vendor text whose echo of `token` starts a few characters before the old cut."""
    return "x" * (OLD_CUT - 12) + f" {token} is not allowed to do that"


def pieces(secret: str) -> list[str]:
    """Every piece of `secret` of 6 characters or more."""
    return [secret[i:j] for i in range(len(secret)) for j in range(i + 6, len(secret) + 1)]


def assert_nothing_of(secret: str, *texts: str) -> None:
    shown = [piece for piece in pieces(secret) for text in texts if piece in text]
    assert shown == [], f"parts of the secret leaked: {shown[:3]}"


def last_errors(world: World) -> list[str]:
    with world.app.engine.connect() as connection:
        rows = connection.execute(select(tables.jobs.c.last_error))
        return [row.last_error for row in rows if row.last_error]


def task_texts(world: World) -> list[str]:
    with world.app.engine.connect() as connection:
        rows = connection.execute(select(tables.tasks.c.why, tables.tasks.c.detail))
        return [f"{row.why} {row.detail}" for row in rows]


def every_text(message: dict[str, Any]) -> str:
    """The message's fallback text and every text object in its blocks, as Slack gets them."""
    return json.dumps([message["text"], message["blocks"]], ensure_ascii=False)


@pytest.mark.parametrize("status", [422, 503])
def test_a_token_the_vendor_echoes_across_the_old_cut_shows_nowhere_in_any_part(
    world: World, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    token = world.scim.token
    caplog.set_level(logging.DEBUG)
    with vendor_refusing(world, status, straddling(token)) as vendor:
        world.request(ALICE, "figma:viewer")  # an empty chain: provisioned at once
        for _ in range(10):  # a 503 is retried until the job gives up and IT takes over
            world.drain()
            world.clock.advance(hours=2)

    tasks = world.it_tasks()
    assert vendor.calls and len(tasks) == 1
    assert "[redacted]" in every_text(tasks[0])
    assert_nothing_of(token, every_text(tasks[0]), caplog.text, *last_errors(world))
    assert_nothing_of(token, *task_texts(world), json.dumps([e["data"] for e in world.audit()]))


def test_mentions_from_a_vendor_reach_the_it_channel_as_text_beside_our_own_mention(
    world: World,
) -> None:
    with vendor_refusing(world, 422, f"user exists; ask {MENTIONS}"):
        world.request(ALICE, "figma:viewer")
        world.drain()

    tasks = world.it_tasks()
    assert len(tasks) == 1
    text = every_text(tasks[0])
    assert f"<@{ALICE}>" in text  # our mention of the requester still notifies them
    assert "&lt;@U0ADMIN01&gt;" in text and "&lt;!channel&gt;" in text
    for live in ("<@U0ADMIN01>", "<!channel>", "<!here>", "<!subteam", "<!everyone>"):
        assert live not in text
    world.click(ADMIN, tasks[0], ids.TASK_DONE)
    world.drain()
    done = world.slack.messages(IT_CHANNEL)[0]
    assert "<@U0ADMIN01>" in every_text(done)  # the admin who pressed Done, named by us
    assert "&lt;!here&gt;" in every_text(done) and "<!here>" not in every_text(done)


def test_a_dead_jobs_error_reaches_the_it_channel_as_text(world: World) -> None:
    for _ in range(8):  # every try of the requester's first DM is refused, so the job dies
        world.slack.fail_next("conversations.open", error=MENTIONS)
    world.request(ALICE, "figma:viewer")  # no approver: the requester's DM is the only one
    for _ in range(10):
        world.drain()
        world.clock.advance(hours=2)

    notices = [m for m in world.slack.messages(IT_CHANNEL) if "gave up" in m["text"]]
    assert len(notices) == 1
    text = every_text(notices[0])
    assert "&lt;@U0ADMIN01&gt;" in text
    for live in ("<@U0ADMIN01>", "<!channel>", "<!here>", "<!subteam", "<!everyone>"):
        assert live not in text
