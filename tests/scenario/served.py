"""Seatkeeper as real `seatkeeper serve` processes, for tests that kill and restart them.

The fake Slack Web API and the SCIM server run in the test process; each replica is a child
process on its own port, all on one database, with short leases (3 s) so a dead replica's
work is taken over quickly. Each replica reaches the fake Slack through its own base URL, so a
recorded call says which replica made it (`Call.via`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.bootstrap import build
from bot.config.loader import parse_config
from bot.config.settings import settings_from_env
from bot.sandbox.local import LocalSlack
from messages import ids
from tests.fakes.scim_server import RunningScimServer, start_scim_server, stop_scim_server
from tests.fakes.slack_requests import SlackSender, click_message, static_select, text_input
from tests.scenario.world import (
    ADMIN,
    CONFIG,
    DM_RATE,
    FIONA,
    IT_CHANNEL,
    PEOPLE,
    SIGNING_SECRET,
    AddPeople,
    add_people,
    create_tier_group,
)

LEASE_SECONDS = 3
START_TIMEOUT = 60.0


@dataclass
class Replica:
    """One `seatkeeper serve` child process."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> httpx.Response:
        """One request on its own connection (a killed replica leaves none behind)."""
        with httpx.Client(base_url=self.url, timeout=10) as client:
            return client.post(url, content=content, headers=headers)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up of any kind."""
        if self.alive:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@dataclass
class Served:
    """The peers, the database and the replicas serving it."""

    slack: LocalSlack
    scim: RunningScimServer
    env: dict[str, str]
    folder: Path
    replicas: dict[str, Replica] = field(default_factory=dict)
    starts: int = 0

    def start(self, name: str = "a") -> Replica:
        """Start (or restart) the replica `name` and wait until it answers."""
        old = self.replicas.get(name)
        if old is not None and old.alive:
            old.kill()
        self.starts += 1
        port = _free_port()
        log = self.folder / f"{name}-{self.starts}.log"
        env = os.environ | self.env | {"SLACK_API_URL": self.slack.url_for(name)}
        command = [sys.executable, "-c", "from bot.cli.main import main; raise SystemExit(main())"]
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*command, "serve", "--port", str(port)],
                env=env,
                cwd=self.folder,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        replica = Replica(name, port, process, log)
        self.replicas[name] = replica
        _wait_until_up(replica)
        return replica

    def alive(self) -> list[Replica]:
        """Replicas still running."""
        return [r for r in self.replicas.values() if r.alive]

    def sender(self, user: str, replica: Replica) -> SlackSender:
        """Signed Slack requests from `user`, sent to `replica`."""
        return SlackSender(
            replica, SIGNING_SECRET, user_id=user, trigger_ids=self.slack.new_trigger_id
        )

    def request(self, user: str, app_tier: str, replica: Replica) -> httpx.Response:
        """Submit the request modal as `user`."""
        state = {
            ids.APP_TIER: {ids.APP_TIER: static_select(app_tier)},
            ids.REASON: {ids.REASON: text_input("Design work")},
        }
        return self.sender(user, replica).submit(ids.REQUEST_MODAL, state)

    def click(self, user: str, message: dict[str, Any], action_id: str, replica: Replica) -> Any:
        """Click a button of a posted message as `user`, through `replica`."""
        return click_message(self.sender(user, replica), message, action_id)

    def logs(self) -> str:
        """Every replica's output so far, for failure messages."""
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.folder.glob("*.log"))
        )


@contextmanager
def served(
    database_url: str,
    folder: Path,
    *,
    scim_url: str | None = None,
    reclaim: str = "{}",
    dm_rate: float = DM_RATE,
) -> Iterator[Served]:
    """Peers and a prepared database; replicas are started by the test and killed at the end."""
    scim, scim_handle = start_scim_server()
    slack = LocalSlack().start()
    for person in PEOPLE:
        slack.add_user(person["slack_user_id"], person["email"], person["name"])
    config = CONFIG.format(
        it_channel=IT_CHANNEL,
        admin=ADMIN,
        owner=FIONA,
        scim_url=scim_url or scim.base_url,
        miro_seats=20,
        approvals_channel="null",
        reclaim=reclaim,
        dm_rate=dm_rate,
    )
    (folder / "seatkeeper.yml").write_text(config)
    env = {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SEATKEEPER_DATABASE_URL": database_url,
        "SEATKEEPER_CONFIG": str(folder / "seatkeeper.yml"),
        "FIGMA_SCIM_TOKEN": scim.token,
        "SEATKEEPER_LEASE_SECONDS": str(LEASE_SECONDS),
        "SEATKEEPER_WORKER_INTERVAL": "0.2",
        "SLACK_API_URL": slack.url,
    }
    _prepare(env, config)
    create_tier_group(scim)
    world = Served(slack, scim, env, folder)
    try:
        yield world
    finally:
        for replica in world.replicas.values():
            replica.kill()
        slack.stop()
        stop_scim_server(scim_handle)


def holder(i: int) -> tuple[str, str]:
    """The Slack id and email of the i-th seat holder of a campaign."""
    return f"U0H{i:06d}", f"holder{i}@acme.test"


def write_idle_holders(world: Served, holders: int) -> tuple[Path, Path]:
    """`holders` people in Slack, each with an idle Miro seat: the people and seats files to
    import (`seatkeeper import people|seats`)."""
    people = ["email,name,slack_user_id,manager_email,department,active"]
    seats = ["app,tier,email,assigned_on,last_active_on"]
    for i in range(holders):
        user, email = holder(i)
        world.slack.add_user(user, email, f"Holder {i}")
        people.append(f"{email},Holder {i},{user},,Design,true")
        seats.append(f"miro,standard,{email},2025-01-06,2025-06-30")
    files = world.folder / "people.csv", world.folder / "seats.csv"
    for path, lines in zip(files, (people, seats), strict=True):
        path.write_text("\n".join(lines) + "\n")
    return files


def wait_for(
    what: Callable[[], Any],
    *,
    timeout: float,
    while_waiting: Callable[[], None] = lambda: None,
    until: str = "",
) -> Any:
    """Poll until `what()` is truthy (and return it), calling `while_waiting` between polls."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        while_waiting()
        time.sleep(0.1)
    raise TimeoutError(f"{until or 'it'} did not happen within {timeout} s")


def _prepare(env: dict[str, str], config_text: str) -> None:
    """Migrate the database and add the directory's people, as an operator would first."""
    config = parse_config(config_text, source="served.yml", env=env)
    container = build(settings_from_env(env), config, env=env)
    try:
        container.runner(add_people, AddPeople())
    finally:
        container.close()


def _wait_until_up(replica: Replica) -> None:
    def up() -> bool:
        if not replica.alive:
            raise RuntimeError(f"{replica.name} exited: {replica.log.read_text()[-3000:]}")
        try:
            with httpx.Client(timeout=5) as client:
                return client.get(f"{replica.url}/healthz").status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(up, timeout=START_TIMEOUT)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
