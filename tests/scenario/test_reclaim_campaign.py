"""A reclaim campaign of 60 holders survives SIGKILL: each holder gets one DM.

The holders come in through `seatkeeper import people|seats` and the campaign through
`seatkeeper run reclaim`, as an operator would run them; a `seatkeeper serve` replica sends the
DMs against a fake Slack that enforces rate limits (HTTP 429 with Retry-After), and is killed
midway. A second replica (or the same one restarted) finishes the campaign: nobody is asked
twice and nobody is skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.database import fresh_database_url
from tests.scenario.served import (
    LEASE_SECONDS,
    Served,
    served,
    wait_for,
    write_idle_holders,
)

HOLDERS = 60
DEADLINE = 120.0  # seconds for the whole campaign, restart included


def _cli(world: Served, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from bot.cli.main import main; raise SystemExit(main())"]
    env = os.environ | world.env
    done = subprocess.run(
        [*command, *args], env=env, cwd=world.folder, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done


def _seed(world: Served) -> None:
    """The holders in Slack and the directory, each with an idle Miro seat."""
    people, seats = write_idle_holders(world, HOLDERS)
    _cli(world, "import", "people", people.name)
    _cli(world, "import", "seats", seats.name)


def _asked(world: Served) -> Counter[str]:
    """How many seat questions each holder's DM holds."""
    return Counter(
        message["channel"]
        for message in world.slack.messages()
        if str(
            ((message.get("metadata") or {}).get("event_payload") or {}).get("marker", "")
        ).startswith("reclaim.notify:")
    )


@pytest.mark.parametrize("restart", [True, False], ids=["restarted", "second replica"])
def test_a_campaign_killed_midway_asks_every_holder_exactly_once(
    tmp_path: Path, restart: bool
) -> None:
    database = fresh_database_url(tmp_path)
    with served(database, tmp_path, reclaim="{working_hours: always}", dm_rate=60) as world:
        # Below the pace a loaded machine still makes, so the campaign surely meets 429s.
        world.slack.limit("chat.postMessage", calls=5, per_seconds=1.0)
        world.slack.limit("conversations.open", calls=20, per_seconds=1.0)
        _seed(world)
        world.start("a")
        if not restart:
            world.start("b")

        campaign = _cli(world, "run", "reclaim")
        assert f"{HOLDERS} asked keep or release" in campaign.stdout
        wait_for(
            lambda: len(_asked(world)) >= HOLDERS // 3, timeout=DEADLINE, until="a third asked"
        )
        world.replicas["a"].kill()
        if restart:
            world.start("a")
        wait_for(lambda: len(_asked(world)) == HOLDERS, timeout=DEADLINE, until="all asked")
        time.sleep(LEASE_SECONDS + 1)  # a straggler that would post twice shows itself now

    asked = _asked(world)
    assert len(asked) == HOLDERS and set(asked.values()) == {1}, asked.most_common(3)
    refused = [call for call in world.slack.calls if call.error == "ratelimited"]
    assert refused, "the campaign ran into Slack's rate limit at least once"
