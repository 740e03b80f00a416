"""The app and its Slack sandbox served in this process on a loopback port, over real HTTP:
the sandbox posts signed requests to the app's /slack/events and the app calls the sandbox's
Web API, as `seatkeeper demo` runs them. Jobs wait for `drain()` (no background worker)."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bot.cli.imports import import_people
from bot.sandbox.demo import seed, write_demo
from bot.sandbox.setup import SandboxApp, open_sandbox
from workflows.catalog import Config
from workflows.model import Seat
from workflows.ports import Clock, UnitOfWork

ADA, DAN, ALICE, BEN, FIONA = "U0ADA0001", "U0DAN0001", "U0ALI0001", "U0BEN0001", "U0FIO0001"
IT_CHANNEL = "C0ITTEST1"
CONFIG = f"""\
slack: {{it_channel: {IT_CHANNEL}}}
admins: [{ADA}]
directory: {{source: csv, path: people.csv}}
schedule: {{sync: null, reclaim: "0 9 * * *", digest: "0 9 * * 1"}}
defaults:
  approval: [manager]
  reclaim: {{idle_days: 30, grace_days: 7, reminder_days: 3, new_seat_days: 14,
            working_hours: always}}
apps:
  - key: figma
    name: Figma
    owner: {FIONA}
    connector: {{type: scim, base_url: "https://figma.invalid/scim/v2", token_env: FIGMA_TOKEN}}
    tiers:
      - {{key: professional, name: Professional, monthly_price: 15, approval: [manager]}}
    contract: {{seats: 10, renews_on: 2027-03-31, notice_days: 60}}
  - key: miro
    name: Miro
    connector: {{type: manual}}
    tiers: [{{key: standard, name: Standard, monthly_price: 10}}]
"""
PEOPLE = f"""\
email,name,slack_user_id,manager_email,department,active
ada@example.com,Ada Admin,{ADA},,IT,true
dan@example.com,Dan Diaz,{DAN},ada@example.com,Design,true
alice@example.com,Alice Archer,{ALICE},dan@example.com,Design,true
ben@example.com,Ben Baker,{BEN},dan@example.com,Design,true
fiona@example.com,Fiona Fox,{FIONA},ada@example.com,IT,true
"""


@dataclass
class Served:
    """The running app and sandbox, and a client for the sandbox's endpoints."""

    app: SandboxApp
    url: str
    http: httpx.Client

    def state(self, user: str) -> dict[str, Any]:
        """What `user` sees now."""
        answer = self.http.get("/sandbox/api/state", params={"user": user})
        answer.raise_for_status()
        return dict(answer.json())

    def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """A person's action, as the page sends it."""
        return self.http.post(f"/sandbox/api/{path}", json=body)

    def drain(self) -> int:
        """Let the worker send what is queued."""
        return self.app.container.worker.drain()

    def dm(self, user: str) -> list[dict[str, Any]]:
        """The messages in `user`'s DM with the app, as the page gets them."""
        return list(self.state(user)["messages"]["D" + user[1:]])


@dataclass(frozen=True)
class AddSeat:
    """A seat found at a vendor, idle for `idle_days`."""

    app: str
    email: str
    tier: str
    idle_days: int


def add_seat(cmd: AddSeat, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    today = clock.now().date()
    person = uow.people.by_email(cmd.email)
    uow.seats.add(
        Seat(
            cmd.app,
            cmd.tier,
            cmd.email,
            slack_user_id=person.slack_user_id if person else None,
            assigned_on=today - dt.timedelta(days=200),
            last_active_on=today - dt.timedelta(days=cmd.idle_days),
            recorded_at=clock.now(),
        )
    )


@contextmanager
def served_sandbox(folder: Path, database_url: str, config: str = CONFIG) -> Iterator[Served]:
    """The test organisation in the sandbox (`config` its settings), on a free loopback port."""
    (folder / "seatkeeper.yml").write_text(config)
    (folder / "people.csv").write_text(PEOPLE)

    def prepare(app: SandboxApp) -> None:
        result = import_people(folder / "people.csv", runner=app.container.runner, slack=None)
        assert not result.problems, result.problems

    with _served(folder / "seatkeeper.yml", database_url, prepare) as served:
        yield served


@contextmanager
def served_demo(folder: Path, database_url: str) -> Iterator[Served]:
    """Acme, the demo organisation, in the sandbox as `seatkeeper demo` seeds it."""
    today = dt.datetime.now(dt.UTC).date()
    files = write_demo(folder, today=today)
    with _served(
        files.config, database_url, lambda app: seed(app.container.runner, today)
    ) as served:
        yield served


@contextmanager
def _served(
    config: Path, database_url: str, prepare: Callable[[SandboxApp], None]
) -> Iterator[Served]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = open_sandbox(config, database_url, url=url, env={})
    server: uvicorn.Server | None = None
    thread: threading.Thread | None = None
    try:
        prepare(app)
        app.add_people()
        served = uvicorn.Config(app.asgi(background=False), port=port, log_level="warning")
        server = uvicorn.Server(served)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        _wait_until_started(server)
        with httpx.Client(base_url=url, timeout=30) as http:
            yield Served(app, url, http)
    finally:
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(timeout=10)
        app.close()


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_started(server: uvicorn.Server) -> None:
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise TimeoutError("the sandbox did not start within 20 s")
        time.sleep(0.02)
