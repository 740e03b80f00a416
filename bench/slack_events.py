"""Benchmark: does `POST /slack/events` keep the event loop free under load?

Usage (from the project root; defaults finish in about 25 s on 2 cores):

    .venv/bin/python -m bench.slack_events [--requests N] [--concurrency C]
        [--probe-interval SECONDS] [--time-cap SECONDS]

    --requests N        events per variant (default 300)
    --concurrency C     concurrent event senders (default 8)
    --probe-interval S  pause between GET /healthz probes (default 0.02)
    --time-cap S        per variant: stop sending and probing after S seconds (default 20)

Two variants run one after the other against the same container (`bot.bootstrap.build` with a
manual-connector config, a temporary SQLite database, and `LocalSlack` on 127.0.0.1):

- ours:     `bot.web.app.create_app(container)`; Bolt's sync dispatch runs in a worker thread.
- baseline: a second FastAPI app whose `/slack/events` is Bolt's own
            `slack_bolt.adapter.fastapi.SlackRequestHandler(container.bolt)` (it calls the
            sync `App.dispatch` inside the async route), plus the very same `/healthz`
            endpoint function as ours.

Each variant is served for real by uvicorn on its own free loopback port (`Server.run` in a
background thread, stopped with `server.should_exit`). After a short warm-up and ten idle
probes, C `httpx.AsyncClient` workers send N signed `app_home_opened` events with distinct
event_ids (each is de-duplicated in the database and publishes a Home view through the fake
Slack) while a prober thread calls `GET /healthz` every 20 ms. Reported per variant: events/s,
event latency p50/p95, healthz latency idle p50 and p50/p95/max under load, errors (events
not answered 200, failed healthz probes, and Web API calls the fake Slack refused or failed
on), and how many Home views the fake Slack accepted. The healthz p95 ratio (ours / baseline)
is the figure that shows whether the loop stays free; with any error, or an event answered
without its Home view, the verdict is FAILED and names the first error the fake Slack gave.

Notes on the numbers:
- The fake Slack runs in a child process: it validates every view against the Block Kit JSON
  Schema (~20 ms of CPU per views.publish), which would otherwise steal the app's GIL. It is
  also what caps events/s here (a few dozen per second), for both variants alike.
- The load generator and prober share the app's process and 2 cores: compare the variants
  with each other, not with production figures.
- `/healthz` asks nothing of the database, so its latency is how soon the event loop gets to
  a request: exactly what blocking the loop would show.

Bounded: every loop ends after N requests or the time cap; only 127.0.0.1 is contacted. The
exit status is 0 unless requests failed (the verdict is then FAILED): otherwise this reports, it
does not assert.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import math
import multiprocessing
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute
from slack_bolt.adapter.fastapi import SlackRequestHandler

from bench.ack_server import ADMIN, HOST, SIGNING_SECRET, config_text
from bot.bootstrap import Container, build
from bot.config.loader import parse_config
from bot.config.settings import settings_from_env
from bot.sandbox.local import LocalSlack
from bot.sandbox.workspace import Call
from bot.web.app import create_app
from tests.fakes.slack_requests import app_home_opened, sign
from workflows.catalog import Config
from workflows.model import Person
from workflows.ports import Clock, UnitOfWork

USERS = [f"U0BENCH{n:02d}" for n in range(1, 9)]
WARMUP_EVENTS = 8
IDLE_PROBES = 10
REQUEST_TIMEOUT = 10.0
FAKE_IDLE_LIMIT = 120.0  # seconds the fake Slack process waits for the parent
CONFIG = config_text(20)


@dataclass
class Result:
    """What one variant measured."""

    name: str
    sent: int = 0
    wall: float = 0.0
    event_latencies: list[float] = field(default_factory=list)
    event_errors: int = 0
    probe_latencies: list[float] = field(default_factory=list)
    probe_errors: int = 0
    idle_probe_p50: float = float("nan")
    published: int = 0
    slack_errors: int = 0
    first_slack_error: str = ""
    capped: bool = False

    @property
    def events_per_second(self) -> float:
        return len(self.event_latencies) / self.wall if self.wall > 0 else 0.0

    @property
    def missing_views(self) -> int:
        """Events answered 200 whose Home view the fake Slack did not accept."""
        return max(0, len(self.event_latencies) - self.published)

    @property
    def failures(self) -> int:
        return self.event_errors + self.probe_errors + self.slack_errors + self.missing_views


# --- the fake Slack, in its own process --------------------------------------------------


def _fake_slack_main(conn: Connection, users: list[str], idle_limit: float) -> None:
    """Child process: serve LocalSlack on loopback and answer the parent's questions."""
    slack = LocalSlack().start()
    try:
        for user in users:
            slack.add_user(user, f"{user.lower()}@bench.test", user)
        conn.send((slack.url, slack.token))
        while conn.poll(idle_limit):  # bounded: gives up when the parent goes quiet
            if conn.recv() != "figures":
                break
            conn.send(_figures(list(slack.calls)))
    except (EOFError, OSError):
        pass
    finally:
        slack.stop()


def _figures(calls: list[Call]) -> SlackFigures:
    failed = [str(c.error) for c in calls if c.error is not None]
    published = sum(1 for c in calls if c.method == "views.publish" and c.error is None)
    return SlackFigures(published, len(failed), failed[0] if failed else "")


@dataclass(frozen=True)
class SlackFigures:
    """What the fake Slack saw so far: Home views accepted, calls refused or failed, the first."""

    published: int = -1
    failed: int = 0
    first_error: str = ""

    def since(self, before: SlackFigures) -> SlackFigures:
        first = self.first_error if self.failed > before.failed else ""
        known = self.published >= 0 and before.published >= 0  # -1: the fake did not answer
        published = self.published - before.published if known else -1
        return SlackFigures(published, self.failed - before.failed, first)


class LocalSlackProcess:
    """`LocalSlack` in a child process: its Block Kit schema checks (CPU-bound, ~20 ms per
    views.publish) then cost the app process a network wait, as Slack would, not GIL time."""

    def __init__(
        self,
        users: list[str] | None = None,
        start: str = "spawn",
        idle_limit: float = FAKE_IDLE_LIMIT,
    ) -> None:
        """`users` (Slack ids) are the workspace's people, each as `<id lowercased>@bench.test`;
        `start` is the multiprocessing start method ("fork" starts at once); the fake stops
        after `idle_limit` seconds without a word from the parent."""
        context = multiprocessing.get_context(start)
        self._conn, child = context.Pipe()
        users = [ADMIN, *USERS] if users is None else users
        self._process = context.Process(
            target=_fake_slack_main, args=(child, users, idle_limit), name="fake-slack", daemon=True
        )
        self._process.start()
        child.close()
        if not self._conn.poll(30):
            self.stop()
            raise RuntimeError("the local Slack process did not start")
        self.url, self.token = self._conn.recv()

    def figures(self) -> SlackFigures:
        """What the fake Slack saw so far (`published` is -1 when it did not answer)."""
        self._conn.send("figures")
        return self._conn.recv() if self._conn.poll(10) else SlackFigures()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._conn.send("stop")
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=5)
        self._conn.close()


# --- the apps ---------------------------------------------------------------------------


def build_container(workdir: Path, slack: LocalSlackProcess) -> Container:
    """The real composition root against the fake Slack and a fresh SQLite file."""
    env = {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "SEATKEEPER_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
    }
    config = parse_config(CONFIG, source="bench.yml", env=env)
    container = build(settings_from_env(env), config, env=env)
    container.runner(_add_people, AddPeople())
    return container


@dataclass(frozen=True)
class AddPeople:
    """Add the admin and the benchmark's users to the directory."""


def _add_people(cmd: AddPeople, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    for user in [ADMIN, *USERS]:
        email = f"{user.lower()}@bench.test"
        uow.people.add(Person(email=email, name=user, slack_user_id=user))


def baseline_app(container: Container, ours: FastAPI) -> FastAPI:
    """Bolt's stock FastAPI adapter around the same sync App, plus our own /healthz."""
    assert container.bolt is not None
    api = FastAPI(title="Bolt baseline", docs_url=None, redoc_url=None)
    handler = SlackRequestHandler(container.bolt)

    @api.post("/slack/events")
    async def slack_events(request: Request) -> Response:
        return await handler.handle(request)

    healthz = next(r for r in ours.routes if isinstance(r, APIRoute) and r.path == "/healthz")
    api.add_api_route("/healthz", healthz.endpoint, methods=["GET"])
    return api


@contextlib.contextmanager
def serve(app: FastAPI, name: str) -> Iterator[str]:
    """Serve `app` with uvicorn on a free 127.0.0.1 port in a thread; yields its base URL."""
    # proto must be IPPROTO_TCP: asyncio sets TCP_NODELAY on accepted sockets only then, and
    # without it Nagle + delayed ACKs add ~40 ms to every keep-alive response.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, host=HOST, port=port, log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{name}", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn for {name} did not start")
            time.sleep(0.01)
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# --- load -------------------------------------------------------------------------------


async def send_events(
    base_url: str, ids: list[str], concurrency: int, deadline: float, result: Result
) -> None:
    """`concurrency` workers post the signed events in `ids` until done or past `deadline`."""
    queue = iter(enumerate(ids))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        base_url=base_url, timeout=REQUEST_TIMEOUT, limits=limits
    ) as client:

        async def worker() -> None:
            for index, event_id in queue:
                if time.perf_counter() > deadline:
                    result.capped = True
                    return
                user = USERS[index % len(USERS)]
                body, content_type = app_home_opened(user, event_id)
                headers = sign(body, SIGNING_SECRET, content_type=content_type)
                result.sent += 1
                started = time.perf_counter()
                try:
                    response = await client.post("/slack/events", content=body, headers=headers)
                except httpx.HTTPError:
                    result.event_errors += 1
                    continue
                if response.status_code == 200:
                    result.event_latencies.append(time.perf_counter() - started)
                else:
                    result.event_errors += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))


def probe(
    base_url: str,
    interval: float,
    stop: threading.Event,
    deadline: float,
    latencies: list[float],
    max_probes: int | None = None,
) -> int:
    """GET /healthz every `interval` s until `stop`, `deadline` or `max_probes`; errors."""
    errors = 0
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as client:
        due = time.perf_counter()
        for count in itertools.count():
            if stop.is_set() or time.perf_counter() > deadline:
                break
            if max_probes is not None and count >= max_probes:
                break
            started = time.perf_counter()
            try:
                ok = client.get("/healthz").status_code == 200
            except httpx.HTTPError:
                ok = False
            if ok:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1
            due = max(due + interval, time.perf_counter())
            time.sleep(max(0.0, due - time.perf_counter()))
    return errors


def run_variant(
    name: str, app: FastAPI, slack: LocalSlackProcess, args: argparse.Namespace, tag: str
) -> Result:
    """Warm up, measure idle /healthz, then load /slack/events while probing /healthz."""
    result = Result(name)
    with serve(app, name) as base_url:
        warm_ids = [f"EvW{tag}{i:06d}" for i in range(WARMUP_EVENTS)]
        warm = Result(name)
        asyncio.run(send_events(base_url, warm_ids, 1, time.perf_counter() + 10, warm))
        idle: list[float] = []
        idle_deadline = time.perf_counter() + 5
        probe(base_url, args.probe_interval, threading.Event(), idle_deadline, idle, IDLE_PROBES)
        result.idle_probe_p50 = percentile(idle, 50)

        before = slack.figures()
        deadline = time.perf_counter() + args.time_cap
        stop = threading.Event()
        errors: list[int] = []
        prober = threading.Thread(
            target=lambda: errors.append(
                probe(base_url, args.probe_interval, stop, deadline, result.probe_latencies)
            ),
            name=f"prober-{name}",
            daemon=True,
        )
        ids = [f"Ev{tag}{i:06d}" for i in range(args.requests)]
        prober.start()
        started = time.perf_counter()
        try:
            asyncio.run(send_events(base_url, ids, args.concurrency, deadline, result))
        finally:
            result.wall = time.perf_counter() - started
            stop.set()
            prober.join(timeout=REQUEST_TIMEOUT + 1)
        result.probe_errors = sum(errors)
        seen = slack.figures().since(before)
        result.published, result.slack_errors = seen.published, seen.failed
        result.first_slack_error = seen.first_error
    return result


# --- report -----------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of `values` (NaN when empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[min(max(rank, 1), len(ordered)) - 1]


def ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:.1f}"


def report(results: list[Result], args: argparse.Namespace) -> str:
    """Print the figures of both variants and the verdict; return the verdict."""
    print(
        f"POST /slack/events x {args.requests} (app_home_opened, concurrency {args.concurrency})"
        f"; GET /healthz every {args.probe_interval * 1000:.0f} ms; cap {args.time_cap:.0f} s"
    )
    head = (
        f"{'variant':<9} {'ev/s':>7} {'ev p50':>8} {'ev p95':>8} {'hz idle':>8} {'hz p50':>8}"
        f" {'hz p95':>8} {'hz max':>8} {'probes':>6} {'errors':>9} {'views':>6}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        errors = f"{r.event_errors}/{r.probe_errors}/{r.slack_errors}"
        print(
            f"{r.name:<9} {r.events_per_second:>7.1f} {ms(percentile(r.event_latencies, 50)):>8}"
            f" {ms(percentile(r.event_latencies, 95)):>8} {ms(r.idle_probe_p50):>8}"
            f" {ms(percentile(r.probe_latencies, 50)):>8}"
            f" {ms(percentile(r.probe_latencies, 95)):>8}"
            f" {ms(max(r.probe_latencies, default=float('nan'))):>8}"
            f" {len(r.probe_latencies):>6} {errors:>9} {r.published:>6}"
            + (f"  (time cap: {r.sent} of {args.requests} sent)" if r.capped else "")
        )
    print("ms; hz = GET /healthz (idle: before the load); errors = events not answered 200 /")
    print("healthz probes failed / Web API calls the fake Slack refused or failed on;")
    print("views = Home views the fake Slack accepted during the load, one per event answered")
    ratio = p95_ratio(results)
    if math.isnan(ratio):
        print("healthz p95 ratio ours/baseline: n/a (no successful probes)")
    else:
        print(f"healthz p95 ratio ours/baseline: {ratio:.3f} (baseline {1 / ratio:.1f}x slower)")
    found = verdict(results)
    print(f"verdict: {found}")
    return found


def verdict(results: list[Result]) -> str:
    """OK only when nothing failed and our /healthz p95 is at most half the baseline's."""
    failed = [r for r in results if r.failures]
    if failed:
        first = next((r.first_slack_error for r in failed if r.first_slack_error), "")
        return (
            "FAILED: requests failed, so the figures show nothing ("
            + "; ".join(f"{r.name}: {failures(r)}" for r in failed)
            + (f"); the fake Slack's first error: {first}" if first else ")")
        )
    ratio = p95_ratio(results)
    if not math.isnan(ratio) and ratio <= 0.5:
        ours, base = (percentile(r.probe_latencies, 95) for r in results)
        return (
            f"OK: under the same load /healthz p95 is {ms(ours)} ms with our route vs"
            f" {ms(base)} ms with Bolt's SlackRequestHandler: our loop stays free"
        )
    if not math.isnan(ratio) and ratio < 1:
        return "INCONCLUSIVE: ours is better but by less than 2x; try more --requests"
    return "NOT SHOWN: our /healthz p95 is not lower than the blocking baseline's"


def p95_ratio(results: list[Result]) -> float:
    """Our /healthz p95 over the baseline's (NaN without successful probes)."""
    ours, base = (percentile(r.probe_latencies, 95) for r in results)
    return ours / base if ours > 0 and base > 0 else float("nan")


def failures(result: Result) -> str:
    counts = {
        "events not answered 200": result.event_errors,
        "healthz probes failed": result.probe_errors,
        "Slack calls refused or failed": result.slack_errors,
        "events without their Home view": result.missing_views,
    }
    return ", ".join(f"{n} {what}" for what, n in counts.items() if n)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.slack_events",
        description="Event-loop freedom of POST /slack/events: ours vs Bolt's FastAPI adapter.",
    )
    parser.add_argument("--requests", type=int, default=300, help="events per variant")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent event senders")
    parser.add_argument("--probe-interval", type=float, default=0.02, help="seconds")
    parser.add_argument("--time-cap", type=float, default=20.0, help="seconds per variant")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1:
        parser.error("--requests and --concurrency must be at least 1")
    if args.probe_interval <= 0 or args.time_cap <= 0:
        parser.error("--probe-interval and --time-cap must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    slack = LocalSlackProcess()
    try:
        with tempfile.TemporaryDirectory(prefix="seatkeeper-bench-") as workdir:
            container = build_container(Path(workdir), slack)
            try:
                ours = create_app(container)
                baseline = baseline_app(container, ours)
                results = [
                    run_variant("ours", ours, slack, args, "OURS"),
                    run_variant("baseline", baseline, slack, args, "BASE"),
                ]
            finally:
                container.close()
        found = report(results, args)
    finally:
        slack.stop()
    return 1 if found.startswith("FAILED") else 0


if __name__ == "__main__":
    raise SystemExit(main())
