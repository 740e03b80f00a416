"""Crash soak: the request journey with `seatkeeper serve` SIGKILLed at every point, many times.

Usage (from the project root; one round of both modes takes about 4 minutes on 2 cores):

    .venv/bin/python -m bench.crash_soak [--rounds N] [--random-kills K] [--database URL]

    --rounds N        times every Slack call of the journey is used as a kill point (default 1)
    --random-kills K  extra runs per round that kill at a random moment instead (default 10)
    --database URL    a PostgreSQL URL to run on (its tables are emptied before each run);
                      default: a fresh SQLite file per run

Each run is the journey of tests/scenario/crash_journey.py (request Figma Professional, the
manager and the owner approve through their DMs, a seat at a real SCIM server, every message
closed or updated in place) on real `seatkeeper serve` processes with 3 s leases, and one
SIGKILL: right after Slack carried out the n-th Web API call of the run (so the message exists
and the server never recorded it), or at a random moment within the first 4 s. Two modes:

- restart:  one replica; the test restarts it after the kill.
- takeover: two replicas; the survivor carries on alone.

Each run's outcome (every conversation with its replies and live buttons, every audit action,
the users created at the vendor and their groups) is compared with a run without kills.
Reported per mode: runs, kills, runs whose outcome differed (with the first few differences),
runs that did not finish within 60 s of the kill, and the time from the kill to the journey's
end (median, 95th percentile, worst).

Bounded: a fixed number of runs, loopback only, temporary folders. Exit status 0 always: it
reports, it does not assert (the test suite asserts a sample of the same runs).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

from store.db import make_engine
from store.migrate import upgrade
from store.tables import metadata
from tests.scenario.crash_journey import Killer, outcome, walk
from tests.scenario.served import served

MODES = {"restart": ("a",), "takeover": ("a", "b")}
RANDOM_WINDOW = 4.0


@dataclass
class Tally:
    runs: int = 0
    kills: int = 0
    late: list[str] = field(default_factory=list)
    differed: list[str] = field(default_factory=list)
    recovery: list[float] = field(default_factory=list)


def database(folder: Path, url: str | None) -> str:
    """A database with the current schema and no rows."""
    if url is None:
        return f"sqlite:///{folder / 'seatkeeper.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine)
        names = ", ".join(table.name for table in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        engine.dispose()
    return url


def run(
    folder: Path, url: str | None, replicas: tuple[str, ...], kill: Any
) -> tuple[Any, Killer, float]:
    """One journey; `kill` is a call index, a delay in seconds (float), or None.

    Returns the outcome, the killer, and when (time.monotonic()) the journey ended.
    """
    folder.mkdir()
    with served(database(folder, url), folder) as world:
        killer = Killer(world, at=kill if isinstance(kill, int) else None)
        world.slack.before_reply = killer
        for name in replicas:
            world.start(name)
        delay = kill if isinstance(kill, float) else RANDOM_WINDOW * 100
        timer = threading.Timer(delay, killer.kill, args=(replicas[0], f"at {delay:.2f} s"))
        timer.start()
        try:
            walk(world, restart=len(replicas) == 1)
        finally:
            timer.cancel()
        return outcome(world), killer, time.monotonic()


def soak(mode: str, rounds: int, random_kills: int, url: str | None, root: Path) -> Tally:
    replicas = MODES[mode]
    expected, clean, _ = run(root / f"{mode}-clean", url, replicas[:1], None)
    plan: list[Any] = []
    for _ in range(rounds):
        plan += list(range(clean.seen))
        plan += [random.uniform(0.2, RANDOM_WINDOW) for _ in range(random_kills)]
    tally = Tally()
    for n, kill in enumerate(plan):
        tally.runs += 1
        try:
            got, killer, ended = run(root / f"{mode}-{n}", url, replicas, kill)
        except TimeoutError as late:
            tally.late.append(f"kill {kill!r}: {late}")
            continue
        tally.kills += len(killer.killed)
        if killer.when is not None:
            tally.recovery.append(ended - killer.when)
        if got != expected:
            tally.differed.append(f"{killer.killed}: {_first_difference(got, expected)}")
    return tally


def _first_difference(got: dict[str, Any], expected: dict[str, Any]) -> str:
    for key in expected:
        if got.get(key) != expected[key]:
            return f"{key}: {got.get(key)!r}"[:400]
    return "?"


def report(mode: str, tally: Tally) -> None:
    times = sorted(tally.recovery) or [0.0]
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"{mode}: {tally.runs} runs, {tally.kills} kills")
    print(f"  outcome differed from the clean run: {len(tally.differed)}")
    for line in tally.differed[:5]:
        print(f"    {line}")
    print(f"  not finished within 60 s of the kill: {len(tally.late)}")
    for line in tally.late[:5]:
        print(f"    {line}")
    print(
        f"  kill to journey's end: median {statistics.median(times):.1f} s, "
        f"p95 {p95:.1f} s, worst {times[-1]:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--random-kills", type=int, default=10)
    parser.add_argument("--database", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for mode in MODES:
            started = time.monotonic()
            tally = soak(mode, args.rounds, args.random_kills, args.database, Path(folder))
            report(mode, tally)
            print(f"  ({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
