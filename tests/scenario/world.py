"""A running Seatkeeper wired to a fake Slack Web API, a real SCIM server and a fake clock."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi.testclient import TestClient

from bot.bootstrap import Container, build
from bot.config.loader import parse_config
from bot.config.settings import settings_from_env
from bot.sandbox.local import LocalSlack
from bot.web.app import create_app
from messages import ids
from store.tables import audit_events
from tests.fakes.clock import FakeClock
from tests.fakes.scim_server import (
    PEER_TIMEOUT,
    RunningScimServer,
    start_scim_server,
    stop_scim_server,
)
from tests.fakes.slack_requests import (
    SlackSender,
    button_value,
    click_message,
    static_select,
    text_input,
)
from workflows.catalog import Config
from workflows.model import Person
from workflows.ports import Clock, UnitOfWork

SIGNING_SECRET = "test-signing-secret"
ALICE, DANA, FIONA, ADMIN, MALLORY = "U0ALICE01", "U0DANA001", "U0FIGOWN1", "U0ADMIN01", "U0MALLRY1"
IT_CHANNEL = "C0ITOPS01"
DM_RATE = 500  # seat holders' DMs per second: pacing is shown where it matters, not waited on
APPROVALS_CHANNEL = "C0APPROVE1"
PEOPLE = [
    {
        "email": "alice@acme.test",
        "name": "Alice Archer",
        "slack_user_id": ALICE,
        "manager_email": "dana@acme.test",
        "department": "Design",
    },
    {"email": "dana@acme.test", "name": "Dana Diaz", "slack_user_id": DANA},
    {"email": "fiona@acme.test", "name": "Fiona Fox", "slack_user_id": FIONA},
    {"email": "admin@acme.test", "name": "Ada Admin", "slack_user_id": ADMIN},
    {"email": "mallory@acme.test", "name": "Mallory M", "slack_user_id": MALLORY},
]

CONFIG = """
slack: {{it_channel: {it_channel}, approvals_channel: {approvals_channel}, dm_rate: {dm_rate}}}
admins: [{admin}]
defaults:
  approval: [manager]
  reminder_hours: 24
  escalate_hours: 48
  expire_days: 7
  reclaim: {reclaim}
apps:
  - key: figma
    name: Figma
    owner: {owner}
    connector: {{type: scim, base_url: "{scim_url}", token_env: FIGMA_SCIM_TOKEN}}
    tiers:
      - {{key: professional, name: Professional, monthly_price: 15, approval: [manager, owner],
         idp_group: figma-pro}}
      - {{key: viewer, name: Viewer, monthly_price: 0, approval: [], idp_group: design}}
    contract: {{seats: 50, renews_on: 2027-03-31, notice_days: 60, auto_renew: true}}
    reclaim: {{downgrade_to: viewer}}
  - key: miro
    name: Miro
    owner: {owner}
    connector: {{type: manual}}
    tiers: [{{key: standard, name: Standard, monthly_price: 10}}]
    contract: {{seats: {miro_seats}, renews_on: 2026-12-31, notice_days: 30}}
"""


@dataclass
class World:
    slack: LocalSlack
    scim: RunningScimServer
    clock: FakeClock
    app: Container
    http: TestClient
    sender: SlackSender
    slack_time_offset: list[float]
    scim_handle: Any = None

    def scim_stop(self) -> None:
        """Take the SCIM service down: vendor calls now fail at the transport."""
        stop_scim_server(self.scim_handle)
        self.scim_handle = None

    def scim_restart(self) -> None:
        """Bring a fresh SCIM service back on the same address."""
        port = int(self.scim.base_url.split(":")[2].split("/")[0])
        self.scim, self.scim_handle = start_scim_server(self.scim.token, port=port)
        create_tier_group(self.scim)

    def let_slack_time_pass(self, seconds: float) -> None:
        """Move the fake Slack's own clock (trigger ids expire 3 s after they are issued)."""
        self.slack_time_offset[0] += seconds

    def as_user(self, user: str) -> SlackSender:
        """A sender whose requests come from `user`."""
        return SlackSender(
            self.http, SIGNING_SECRET, user_id=user, trigger_ids=self.slack.new_trigger_id
        )

    def drain(self) -> int:
        """Run every due job (messages, vendor calls) now."""
        return self.app.worker.drain()

    def request(self, user: str, app_tier: str, reason: str = "Design work", **extra: Any) -> Any:
        """Submit the request modal as `user`."""
        state = {
            ids.APP_TIER: {ids.APP_TIER: static_select(app_tier)},
            ids.REASON: {ids.REASON: text_input(reason)},
        }
        if "end_date" in extra:
            state[ids.END_DATE] = {
                ids.END_DATE: {"type": "datepicker", "selected_date": extra["end_date"]}
            }
        return self.as_user(user).submit(ids.REQUEST_MODAL, state)

    def approval_messages(self, user: str) -> list[dict[str, Any]]:
        """Messages in `user`'s DM that carry approval buttons (or did)."""
        return [
            m
            for m in self.slack.messages(f"D{user[1:]}")
            if "approval" in _action_ids(m) or "Request #" in m.get("text", "")
        ]

    def button(self, message: dict[str, Any], action_id: str) -> str | None:
        """The value of a button in a message, or None when it has no such button."""
        return button_value(message, action_id)

    def approvals_for(self, user: str) -> list[dict[str, Any]]:
        """Messages in `user`'s DM that still carry Approve buttons, oldest first."""
        return [m for m in self.thread(user) if self.button(m, ids.STEP_APPROVE)]

    def approve_latest(self, approver: str) -> None:
        """Click Approve on the newest approval message in `approver`'s DM, and run the jobs."""
        self.click(approver, self.approvals_for(approver)[-1], ids.STEP_APPROVE)
        self.drain()

    def it_tasks(self) -> list[dict[str, Any]]:
        """IT-channel messages that still carry a Done button."""
        return [m for m in self.slack.messages(IT_CHANNEL) if self.button(m, ids.TASK_DONE)]

    def click(self, user: str, message: dict[str, Any], action_id: str) -> Any:
        """Click a button of a posted message as `user`."""
        return click_message(self.as_user(user), message, action_id)

    def audit(self) -> list[dict[str, Any]]:
        """Every audit event as a row."""
        with self.app.engine.connect() as connection:
            rows = connection.execute(audit_events.select().order_by(audit_events.c.seq))
            return [dict(row._mapping) for row in rows]

    def thread(self, user: str) -> list[dict[str, Any]]:
        """Messages in `user`'s DM with the bot (roots and replies), oldest first."""
        return self.slack.messages(f"D{user[1:]}")


def _action_ids(message: dict[str, Any]) -> str:
    return json.dumps(message.get("blocks", []))


def start_world(
    database_url: str,
    *,
    miro_seats: int = 20,
    approvals_channel: str | None = None,
    lease_seconds: float | None = None,
    reclaim: str = "{}",
    dm_rate: float = DM_RATE,
) -> World:
    """Build the app against fresh fakes; the caller closes it with `stop_world`."""
    scim, scim_handle = start_scim_server()
    offset = [0.0]
    slack = LocalSlack(now=lambda: time.monotonic() + offset[0]).start()
    for person in PEOPLE:
        slack.add_user(person["slack_user_id"], person["email"], person["name"])
    clock = FakeClock()
    env = {
        "SLACK_BOT_TOKEN": slack.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.url,
        "SEATKEEPER_DATABASE_URL": database_url,
        "FIGMA_SCIM_TOKEN": scim.token,
    }
    if lease_seconds is not None:
        env["SEATKEEPER_LEASE_SECONDS"] = str(lease_seconds)
    text = CONFIG.format(
        it_channel=IT_CHANNEL,
        admin=ADMIN,
        owner=FIONA,
        scim_url=scim.base_url,
        miro_seats=miro_seats,
        approvals_channel=approvals_channel or "null",
        reclaim=reclaim,
        dm_rate=dm_rate,
    )
    config = parse_config(text, source="scenario.yml", env=env)
    container = build(settings_from_env(env), config, clock=clock, env=env)
    container.runner(add_people, AddPeople())
    create_tier_group(scim)
    client = TestClient(create_app(container))
    sender = SlackSender(client, SIGNING_SECRET, user_id=ALICE, trigger_ids=slack.new_trigger_id)
    return World(slack, scim, clock, container, client, sender, offset, scim_handle)


def create_tier_group(scim: RunningScimServer) -> None:
    """The SCIM groups Figma's tiers are, as the vendor's admin console would have made them."""
    for tier in ("professional", "viewer"):
        httpx.post(
            f"{scim.base_url}/Groups",
            json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": tier,
            },
            headers={"Authorization": f"Bearer {scim.token}"},
            timeout=PEER_TIMEOUT,
        ).raise_for_status()


def stop_world(world: World) -> None:
    """Close everything `start_world` opened."""
    world.http.close()
    world.app.close()
    world.slack.stop()
    if world.scim_handle is not None:
        stop_scim_server(world.scim_handle)


@dataclass(frozen=True)
class AddPeople:
    """Add the scenario's directory (PEOPLE)."""


def add_people(cmd: AddPeople, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    for person in PEOPLE:
        uow.people.add(Person(**person))


@contextmanager
def running_world(database_url: str, **options: Any) -> Iterator[World]:
    """A started world, checked for content Slack refused, and stopped afterwards."""
    running = start_world(database_url, **options)
    try:
        yield running
        assert running.slack.invalid == [], f"Slack refused content: {running.slack.invalid}"
    finally:
        stop_world(running)
