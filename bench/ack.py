"""Benchmark part `ack`: how fast Seatkeeper answers Slack, served for real, against bare Bolt.

Seatkeeper runs as `seatkeeper serve` does (uvicorn, `bot.web.app`, the job worker and the
scheduler in one process) on SQLite and on PostgreSQL, against the fake Slack Web API in its
own process; the baseline is a bare Bolt app on the same server stack whose listeners only
ack. The load comes from this process, a lean asyncio client (`bench.loadgen`): signed Approve
clicks, each on its own pending request so each is a real decision, open loop at each rate and
closed loop to saturation; `/license help` commands; App Home opens. After each phase the
benchmark waits (bounded) for the job worker to drain what the clicks queued. The decisions
are counted in the database: a 200 alone proves nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine

from bench import ack_data as data
from bench.ack_report import Phase, Plan, Run, report
from bench.ack_server import ADMIN, HOST, Server, environment
from bench.loadgen import Outcome, Request, closed_loop, open_loop
from bench.slack_events import LocalSlackProcess
from bench.suite import Part, Size
from store.db import make_engine

TITLE = "Ack path: Approve clicks and slash commands, served for real"
PATH = "/slack/events"
FAKE_SLACK_LIMIT = 1200.0  # seconds: the fake Slack outlives any run of this part


PLANS = {
    Size.FULL: Plan((20, 50, 100, 200), 5.0, 5.0, 1500, 32, 5.0, 10, 100, "spawn", 1.0),
    Size.SMALL: Plan((20,), 0.5, 0.5, 20, 4, 1.0, 1, 20, "fork", 0.1),
}


def run(size: Size, pg_url: str | None, *, sqlite: bool = True) -> Part:
    plan = PLANS[size]
    part = Part("ack", TITLE)
    clicks = sum(int(r * plan.seconds) for r in plan.rates) + plan.saturation_clicks
    users = [ADMIN, *(data.requester(n) for n in range(clicks))]
    slack = LocalSlackProcess(users, plan.start, idle_limit=FAKE_SLACK_LIMIT)
    try:
        with tempfile.TemporaryDirectory(prefix="seatkeeper-ack-") as workdir:
            env = environment(f"sqlite:///{Path(workdir) / 'ack.db'}", slack.url, slack.token)
            baseline = measure_baseline(plan, env)
            runs = [measure_ours(plan, env, clicks, "SQLite")] if sqlite else []
            if pg_url:
                runs.append(
                    measure_ours(
                        plan, {**env, "SEATKEEPER_DATABASE_URL": pg_url}, clicks, "PostgreSQL"
                    )
                )
    finally:
        slack.stop()
    report(part, plan, baseline, runs)
    return part


@contextlib.contextmanager
def serving(kind: str, env: dict[str, str], plan: Plan) -> Iterator[Server]:
    server = Server(kind, env, plan.start)
    try:
        yield server
    finally:
        server.stop()


def load(server: Server, requests: list[Request], rate: int | None, plan: Plan) -> Outcome:
    if rate is None:
        return asyncio.run(
            closed_loop(HOST, server.port, PATH, requests, plan.senders, plan.saturation_seconds)
        )
    return asyncio.run(open_loop(HOST, server.port, PATH, requests, rate))


def measure_baseline(plan: Plan, env: dict[str, str]) -> Run:
    """The bare Bolt app: the same requests (it decides nothing, so any step ids will do)."""
    result = Run("bare Bolt")
    fake = [data.Step(1, 1)]
    with serving("bolt", env, plan) as server:
        load(server, data.clicks(fake * 20) + data.commands(5), 50, plan)
        time.sleep(plan.settle)
        result.idle_mb = server.memory()
        for rate in plan.rates:
            result.phases[f"{rate}"] = timed(
                server, data.clicks(fake * int(rate * plan.seconds)), rate, plan
            )
        count = int(plan.command_rate * plan.seconds)
        result.phases["help"] = timed(server, data.commands(count), plan.command_rate, plan)
        many = data.clicks(fake) * int(plan.saturation_seconds * 3000)  # bare Bolt keeps no record
        result.phases["saturation"] = timed(server, many, None, plan)
        result.peak_mb = server.memory("VmHWM")
    return result


def timed(server: Server, requests: list[Request], rate: int | None, plan: Plan) -> Phase:
    before = server.cpu()
    outcome = load(server, requests, rate, plan)
    phase = Phase(str(rate), outcome, cpu=server.cpu() - before)
    phase.cpu_drained = phase.cpu
    return phase


def measure_ours(plan: Plan, env: dict[str, str], clicks: int, label: str) -> Run:
    """Seatkeeper on one database: seed, start, warm up, then every phase in turn."""
    data.reset(env["SEATKEEPER_DATABASE_URL"])
    steps = data.seed(env, clicks + plan.home_opens + 10)
    warm, steps = steps[:10], steps[10:]
    engine = make_engine(env["SEATKEEPER_DATABASE_URL"])
    result = Run(label)
    try:
        with serving("ours", env, plan) as server:
            load(server, data.clicks(warm) + data.commands(5), 50, plan)
            drained(server, engine, plan, Phase("warm-up", Outcome()), data.counts(engine))
            time.sleep(plan.settle)
            result.idle_mb = server.memory()
            warmed = data.counts(engine)
            sizes = [int(rate * plan.seconds) for rate in plan.rates] + [plan.saturation_clicks]
            batches = list(data.chunks(steps, sizes))
            for rate, batch in zip([*plan.rates, None], batches, strict=True):
                name = "saturation" if rate is None else str(rate)
                result.phases[name] = phase(server, engine, data.clicks(batch), rate, plan)
            count = int(plan.command_rate * plan.seconds)
            result.phases["help"] = phase(
                server, engine, data.commands(count), plan.command_rate, plan
            )
            home = data.home_opens(plan.home_opens)
            result.phases["home"] = phase(server, engine, home, 2, plan)
            result.peak_mb = server.memory("VmHWM")
        final = data.counts(engine)
        result.decided = final.decided - warmed.decided
        result.clicked = sum(
            p.answered for n, p in result.phases.items() if n not in ("help", "home")
        )
        result.dead = final.dead
    finally:
        engine.dispose()
    return result


def phase(
    server: Server, engine: Engine, requests: list[Request], rate: int | None, plan: Plan
) -> Phase:
    before_cpu, before = server.cpu(), data.counts(engine)
    outcome = load(server, requests, rate, plan)
    found = Phase(str(rate), outcome, cpu=server.cpu() - before_cpu)
    drained(server, engine, plan, found, before)
    found.cpu_drained = server.cpu() - before_cpu
    return found


def drained(server: Server, engine: Engine, plan: Plan, found: Phase, before: data.Counts) -> None:
    """Wait until the jobs are done or the limit passes; record the backlog and the drain."""
    now = data.counts(engine)
    found.waiting, found.backlog = before.backlog, now.backlog
    started = time.perf_counter()
    while now.backlog and time.perf_counter() - started < plan.drain_limit:
        time.sleep(0.05)
        now = data.counts(engine)
    found.drain = time.perf_counter() - started
    found.left = now.backlog
    found.jobs = now.created - before.created
    found.done = now.done - before.done
