"""The request journey survives SIGKILL at any point: every DM, decision and vendor call once.

Each run kills a `seatkeeper serve` process right after Slack carried out one of its Web API
calls (a message exists that the process never recorded), picked at random among all the calls
of a clean run. Then either the process is restarted, or a second replica carries on alone.
The outcome must equal the clean run's, and every step must complete within 60 s of the kill.

In CI a few kill points are drawn per test (`SEATKEEPER_CRASH_KILLS`, default 3; the seed is in
every failure message and `SEATKEEPER_CRASH_SEED` replays it); `bench/crash_soak.py` walks them
all many times.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

from tests.database import fresh_database_url
from tests.scenario.crash_journey import Killer, outcome, walk
from tests.scenario.served import served

KILLS = int(os.environ.get("SEATKEEPER_CRASH_KILLS", "3"))
SEED = int(os.environ.get("SEATKEEPER_CRASH_SEED") or random.randrange(10**6))


def _database(tmp_path: Path, name: str) -> str:
    (tmp_path / name).mkdir()
    return fresh_database_url(tmp_path / name)


def _clean_run(tmp_path: Path) -> tuple[dict[str, Any], int]:
    with served(_database(tmp_path, "clean"), tmp_path / "clean") as world:
        counter = Killer(world)
        world.slack.before_reply = counter
        world.start("a")
        walk(world, restart=True)
        return outcome(world), counter.seen


def _killed_run(tmp_path: Path, point: int, replicas: tuple[str, ...]) -> tuple[Any, list[str]]:
    folder = tmp_path / f"kill-{point}"
    with served(_database(tmp_path, folder.name), folder) as world:
        killer = Killer(world, at=point)
        world.slack.before_reply = killer
        for name in replicas:
            world.start(name)
        try:
            walk(world, restart=len(replicas) == 1)
        except TimeoutError as late:
            raise AssertionError(f"seed {SEED}, {killer.killed}: {late}\n{world.logs()}") from None
        return outcome(world), killer.killed


def _differences(got: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """Each conversation or figure that differs, as 'name: got != expected'."""
    flat_got = {**got, **got["conversations"]}
    flat_expected = {**expected, **expected["conversations"]}
    return [
        f"{key}: {flat_got.get(key)!r} != {flat_expected.get(key)!r}"
        for key in sorted(set(flat_got) | set(flat_expected) - {"conversations"})
        if key != "conversations" and flat_got.get(key) != flat_expected.get(key)
    ]


def _points(calls: int) -> list[int]:
    return sorted(random.Random(SEED).sample(range(calls), min(KILLS, calls)))


def test_a_server_killed_at_any_slack_call_and_restarted_repeats_and_loses_nothing(
    tmp_path: Path,
) -> None:
    expected, calls = _clean_run(tmp_path)
    assert calls > 10, "the journey makes many Slack calls"

    for point in _points(calls):
        got, killed = _killed_run(tmp_path, point, ("a",))
        assert killed, f"seed {SEED}: call #{point} was made"
        differences = _differences(got, expected)
        assert not differences, f"seed {SEED}, killed at {killed}:\n" + "\n".join(differences)


def test_a_second_replica_takes_over_the_work_of_one_killed_at_any_slack_call(
    tmp_path: Path,
) -> None:
    expected, calls = _clean_run(tmp_path)

    for point in _points(calls):
        got, killed = _killed_run(tmp_path, point, ("a", "b"))
        assert killed, f"seed {SEED}: call #{point} was made"
        differences = _differences(got, expected)
        assert not differences, f"seed {SEED}, killed at {killed}:\n" + "\n".join(differences)
