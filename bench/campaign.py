"""A keep-or-release campaign: one DM to each of many idle seat holders, under Slack's limits.

The holders are imported and the reclaim pass is run here, by the code behind `seatkeeper
import people|seats` and `seatkeeper run reclaim`; one `seatkeeper serve` process sends the
DMs to the fake Slack Web API, which refuses calls over its limits with HTTP 429 and
`Retry-After` and records every call that came before a `Retry-After` it was given had
passed. The server is SIGKILLed right after Slack took the DM of the holder halfway through
(so the post is made and never recorded) and started again; the campaign must still reach
everyone exactly once.

Slack allows `chat.postMessage` "several hundred a minute" per workspace and about one a
second per channel. The fake's workspace budget is scaled (the same for `chat.postMessage`
and `conversations.open`, per sliding window; `users.info` is left unlimited) and the figure
that counts is the DM rate against it. The server's `slack.dm_rate` is set above the budget,
as by an operator who guessed the workspace's allowance too high, so the server meets 429s
and must wait each one out, every thread of it. The baseline is the budget itself; beside it,
the time a sender that posts as fast as it can and only waits out each 429 would take
(simulated on a clock that jumps, so it costs no real time). The server's CPU time per DM
says how fast one process could go with a core to itself.
"""

from __future__ import annotations

import os
import resource
import signal
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select

from bench.crash_soak import database
from bench.suite import Part, Size
from bot.bootstrap import Container, build
from bot.cli.imports import import_people, import_seats
from bot.config.loader import load_config
from bot.config.settings import settings_from_env
from bot.sandbox.workspace import Call, SlackWorkspace
from store import tables
from store.db import make_engine
from tests.scenario.served import (
    Served,
    holder,
    served,
    wait_for,
    write_idle_holders,
)
from workflows.model import JobStatus

TITLE = "Keep-or-release campaign: DMs to idle seat holders under Slack's rate limits"
LIMITED = ("chat.postMessage", "conversations.open")
MARKER = "reclaim.notify:"


@dataclass(frozen=True)
class Plan:
    holders: int
    calls: int  # the fake allows each of LIMITED this many calls in the workspace
    per_seconds: float  # in any stretch of this many seconds

    @property
    def allowed(self) -> float:
        """The allowed rate: DMs a second."""
        return self.calls / self.per_seconds


# The server is told to go at twice the allowed rate, as an operator who overestimates
# "several hundred a minute" would: its pace is then set by the 429s it waits out.
PACE_OVER_ALLOWED = 2.0
PLANS = {Size.FULL: Plan(1_200, 100, 10.0), Size.SMALL: Plan(50, 20, 2.0)}
# PostgreSQL's run is shorter, to keep the part within a few minutes: the same allowed rate.
PG_PLANS = {Size.FULL: Plan(600, 100, 10.0), Size.SMALL: PLANS[Size.SMALL]}


@dataclass
class Watch:
    """Follows the campaign from the fake's side, and kills the server at the chosen DM."""

    world: Served
    kill_at: int
    posted: Counter[str] = field(default_factory=Counter)  # DM channel -> seat questions
    times: list[float] = field(default_factory=list)  # when each question was taken
    killed_at: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, call: Call) -> None:
        marker = str(((call.params.get("metadata") or {}).get("event_payload") or {}).get("marker"))
        if call.method != "chat.postMessage" or call.error or not marker.startswith(MARKER):
            return
        with self.lock:
            self.posted[str(call.params["channel"])] += 1
            self.times.append(time.monotonic())
            if len(self.times) == self.kill_at and self.killed_at is None:
                self.killed_at = time.monotonic()
                os.kill(self.world.replicas["a"].process.pid, signal.SIGKILL)

    @property
    def asked(self) -> int:
        with self.lock:
            return len(self.posted)


def run(size: Size, pg_url: str | None, *, sqlite: bool = True) -> Part:
    part = Part("campaign", TITLE)
    with tempfile.TemporaryDirectory() as folder:
        if sqlite:
            campaign(part, PLANS[size], Path(folder), None, "SQLite")
        if pg_url:
            campaign(part, PG_PLANS[size], Path(folder) / "pg", pg_url, "PostgreSQL")
    naive(part, PLANS[size])
    return part


def campaign(part: Part, plan: Plan, folder: Path, url: str | None, label: str) -> None:
    """The campaign on one database, its figures and checks."""
    folder.mkdir(exist_ok=True)
    rate = plan.allowed * PACE_OVER_ALLOWED
    with served(
        database(folder, url), folder, reclaim="{working_hours: always}", dm_rate=rate
    ) as world:
        for method in LIMITED:
            world.slack.limit(method, calls=plan.calls, per_seconds=plan.per_seconds)
        world.slack.limit("chat.postMessage", calls=1, per_seconds=1.0, per_channel=True)
        _seed(world, plan.holders)
        cpu = _children_cpu()
        watch = Watch(world, kill_at=plan.holders // 2)
        world.slack.before_reply = watch
        world.start("a")
        asked = _reclaim(world)
        _follow(world, watch, plan)
        # A job the killed server held is taken over once its lease runs out: it would show
        # a second post then, so the campaign ends only when no job is left to run.
        wait_for(lambda: _jobs_left(world) == 0, timeout=60, until="no job left to run")
        world.slack.before_reply = None
        recorded = _questions(world.slack)
    part.check(asked == plan.holders, f"{label}: the pass asked {asked} of {plan.holders}")
    _report(part, label, plan, watch, world.slack, recorded)
    part.figure(f"{label}: server CPU per DM", _per_dm(cpu, plan), "ms")
    part.notes.append(_setting(plan, label))


def _follow(world: Served, watch: Watch, plan: Plan) -> None:
    """Wait for every holder to be asked, starting the server again once it was killed."""
    holders = plan.holders
    deadline = 120 + 3 * holders / plan.allowed  # a third of the allowed rate, and a start

    def restart_when_killed() -> None:
        if watch.killed_at is not None and not world.replicas["a"].alive:
            world.replicas["a"].process.wait()
            world.start("a")

    wait_for(
        lambda: watch.asked >= holders,
        timeout=deadline,
        while_waiting=restart_when_killed,
        until=f"all {holders} holders asked",
    )


def _report(
    part: Part, label: str, plan: Plan, watch: Watch, slack: SlackWorkspace, recorded: Counter[str]
) -> None:
    allowed = plan.allowed
    sending = _sending_seconds(watch)
    rate = (len(watch.times) - 1) / sending if sending > 0 else 0.0
    met = rate >= 0.9 * allowed
    part.figure(
        f"{label}: DMs a second (restart excluded)",
        rate,
        "/s",
        baseline=allowed,
        goal=">= 90 % of the allowed rate",
        met=met,
        note="" if met else _why_slow(slack),
    )
    took = watch.times[-1] - watch.times[0]
    part.figure(f"{label}: campaign, first DM to last", took, "s", baseline=plan.holders / allowed)
    part.figure(f"{label}: SIGKILL to the next DM", _outage(watch), "s")
    early = slack.early
    part.figure(
        f"{label}: calls before their Retry-After passed",
        len(early),
        "",
        goal="0",
        met=not early,
        note="" if not early else f"first: {early[0]}",
    )
    refused = [c.method for c in slack.calls if c.error == "ratelimited"]
    part.figure(f"{label}: 429 answers", len(refused), "")
    part.figure(f"{label}: Web API calls per DM", len(slack.calls) / plan.holders, "")
    duplicates = sum(1 for n in recorded.values() if n > 1)
    part.check(duplicates == 0, f"{label}: {duplicates} holders asked more than once")
    skipped = plan.holders - len(recorded)
    part.check(skipped == 0, f"{label}: {skipped} holders never asked")
    part.check(not early, f"{label}: {len(early)} calls came before their Retry-After passed")
    part.check(watch.killed_at is not None, f"{label}: the server was never killed midway")


def _sending_seconds(watch: Watch) -> float:
    """From the first DM to the last, less the time from the kill to the next DM."""
    return watch.times[-1] - watch.times[0] - _outage(watch)


def _outage(watch: Watch) -> float:
    if watch.killed_at is None:
        return 0.0
    after = [t for t in watch.times if t > watch.killed_at]
    return after[0] - watch.killed_at if after else 0.0


def _jobs_left(world: Served) -> int:
    engine = make_engine(world.env["SEATKEEPER_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            left = select(func.count()).where(
                tables.jobs.c.status.in_([JobStatus.QUEUED, JobStatus.RUNNING])
            )
            return int(connection.scalar(left) or 0)
    finally:
        engine.dispose()


def _why_slow(slack: SlackWorkspace) -> str:
    counts = Counter(c.method for c in slack.calls)
    calls = ", ".join(f"{m} {n}" for m, n in counts.most_common(5))
    return f"calls made: {calls}"


def _questions(slack: SlackWorkspace) -> Counter[str]:
    """How many seat questions each DM channel holds, as Slack has them."""
    return Counter(
        message["channel"]
        for message in slack.messages()
        if str(
            ((message.get("metadata") or {}).get("event_payload") or {}).get("marker", "")
        ).startswith(MARKER)
    )


def naive(part: Part, plan: Plan) -> None:
    """A sender that opens and posts as fast as it can and only waits out each 429, on a
    clock that jumps instead of sleeping: the time the limits alone impose on it."""
    clock = [0.0]
    slack = SlackWorkspace(now=lambda: clock[0])
    for method in LIMITED:
        slack.limit(method, calls=plan.calls, per_seconds=plan.per_seconds)
    for i in range(plan.holders):
        user = holder(i)[0]
        slack.add_user(user, f"{user}@acme.test")
        for method, params in (
            ("conversations.open", {"users": user}),
            ("chat.postMessage", {"channel": user, "text": "Keep your seat?"}),
        ):
            while (answer := slack.handle(method, params, slack.token))[0] == 429:
                clock[0] += int(answer[2]["Retry-After"])
    at_allowed = plan.holders / plan.allowed
    part.figure(
        f"naive sender, {plan.holders:,} DMs: limits alone", clock[0], "s", baseline=at_allowed
    )
    part.notes.append(
        "The naive sender opens and posts as fast as it can and only waits out each 429 (on a "
        "clock that jumps): it sends a window's budget at once, then waits; its baseline is "
        "the time at the allowed rate. Seatkeeper's campaign time includes the SIGKILL."
    )


def _setting(plan: Plan, label: str) -> str:
    return (
        f"{label}: {plan.holders:,} holders; the fake allows {plan.calls:,} calls in any "
        f"{plan.per_seconds:.0f} s to each of {' and '.join(LIMITED)} (a sliding window) and "
        f"1 message a second per channel: an allowed rate of {plan.allowed:.0f} DMs a second. "
        f"The server's slack.dm_rate is {PACE_OVER_ALLOWED:.0f} times that, so it meets the "
        "limit and its 429s."
    )


def _seed(world: Served, holders: int) -> None:
    """The holders in Slack and the directory, each with an idle Miro seat, imported as
    `seatkeeper import people|seats` does (in this process: a CLI start is seconds here)."""
    people, seats = write_idle_holders(world, holders)
    with _container(world) as app:
        for result in (
            import_people(people, runner=app.runner, slack=app.slack),
            import_seats(seats, runner=app.runner),
        ):
            if result.problems:
                raise RuntimeError(f"the import refused the bench's file: {result.problems[:3]}")


def _reclaim(world: Served) -> int:
    """One reclaim pass, as `seatkeeper run reclaim` makes it; how many holders it asked."""
    with _container(world) as app:
        return app.passes.reclaim.run().count("prompt")


@contextmanager
def _container(world: Served) -> Iterator[Container]:
    config = load_config(world.folder / "seatkeeper.yml", env=world.env)
    app = build(settings_from_env(world.env), config, env=world.env)
    try:
        yield app
    finally:
        app.close()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _per_dm(since: float, plan: Plan) -> float:
    """Milliseconds of CPU the servers used per DM, their starts included."""
    return (_children_cpu() - since) / plan.holders * 1000
