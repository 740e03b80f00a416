"""The request → approval → seat journey on real processes that are killed along the way.

`walk` drives the journey with signed requests to whichever replica is up; a `Killer` on the
fake Slack SIGKILLs the replica that made the n-th Web API call right after Slack carried it
out (so the message exists but the replica never learns its ts), or a replica is killed at a
random moment. In restart mode a dead replica is started again; otherwise the others carry on.
`outcome` is what must be identical to a run without kills: every conversation, every decision,
every vendor effect, exactly once.
"""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.sandbox.workspace import Call
from messages import ids
from store import tables
from store.db import make_engine
from tests.fakes.slack_requests import button_value
from tests.scenario.observed import conversations, dm, live
from tests.scenario.served import Served, wait_for
from tests.scenario.world import ALICE, DANA, FIONA

DEADLINE = 60.0  # every step must complete this soon after a kill, restart included


@dataclass
class Killer:
    """Kills the replica that made the `at`-th Web API call (from 0), once."""

    served: Served
    at: int | None = None
    seen: int = 0
    killed: list[str] = field(default_factory=list)
    when: float | None = None  # time.monotonic() of the kill

    def __call__(self, call: Call) -> None:
        index, self.seen = self.seen, self.seen + 1
        if index == self.at:
            self.kill(call.via, f"{call.method} #{index}")

    def kill(self, name: str, why: str) -> None:
        """SIGKILL the replica `name` now (if it is up), noting why and when."""
        replica = self.served.replicas.get(name)
        if replica is not None and replica.alive:
            self.killed.append(f"{why} on {name}")
            self.when = time.monotonic()
            os.kill(replica.process.pid, signal.SIGKILL)


def walk(served: Served, *, restart: bool) -> None:
    """The whole journey; every step waits at most DEADLINE, restarting the dead if asked."""

    def keep_up() -> None:
        for name, replica in list(served.replicas.items()):
            if not replica.alive and restart:
                served.start(name)

    def through(action: Any) -> Any:
        """Send a request through a live replica, again through another if it dies meanwhile."""

        def attempt() -> Any:
            up = served.alive()
            if not up:
                return None
            try:
                response = action(up[0])
            except httpx.TransportError:  # it died while answering: try again
                return None
            return response if response.status_code == 200 else None

        return wait_for(attempt, timeout=DEADLINE, while_waiting=keep_up, until="an answer")

    def approval(user: str) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            shown = served.slack.messages(dm(user))
            asking = [m for m in shown if button_value(m, ids.STEP_APPROVE)]
            return asking[-1] if asking else None

        return wait_for(found, timeout=DEADLINE, while_waiting=keep_up, until=f"a DM to {user}")

    through(lambda r: served.request(ALICE, "figma:professional", r))
    for approver in (DANA, FIONA):
        message = approval(approver)
        through(lambda r, m=message, a=approver: served.click(a, m, ids.STEP_APPROVE, r))
        wait_for(
            lambda m=message: not live(_current(served, m)),
            timeout=DEADLINE,
            while_waiting=keep_up,
            until=f"{approver}'s approval closed",
        )
    wait_for(
        lambda: _seat_is_live(served), timeout=DEADLINE, while_waiting=keep_up, until="the seat"
    )
    time.sleep(0.5)  # let any stray job that would post twice show itself


def outcome(served: Served) -> dict[str, Any]:
    """Conversations, decisions and vendor effects, in a form two runs can be compared in."""
    return {
        "conversations": conversations(served.slack),
        "audit": _audit_actions(served.env["SEATKEEPER_DATABASE_URL"]),
        "users created at the vendor": served.scim.calls.count(("POST", "/v2/Users")),
        "users at the vendor": sorted(_scim_users(served)),
    }


def _seat_is_live(served: Served) -> bool:
    replies = [m for m in served.slack.messages(dm(ALICE)) if m.get("thread_ts")]
    return any("live" in m["text"].lower() for m in replies)


def _current(served: Served, message: dict[str, Any]) -> dict[str, Any]:
    return next(m for m in served.slack.messages(message["channel"]) if m["ts"] == message["ts"])


def _audit_actions(database_url: str) -> dict[str, int]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(tables.audit_events.select())
            return dict(Counter(row.action for row in rows))
    finally:
        engine.dispose()


def _scim_users(served: Served) -> list[str]:
    """Who the SCIM service has, with the tier groups each is in."""
    auth = {"Authorization": f"Bearer {served.scim.token}"}
    users = httpx.get(f"{served.scim.base_url}/Users", headers=auth).json()["Resources"]
    groups = httpx.get(f"{served.scim.base_url}/Groups", headers=auth).json()["Resources"]
    return [
        f"{user['userName']} in "
        + ",".join(
            g["displayName"]
            for g in groups
            for m in g.get("members") or []
            if m["value"] == user["id"]
        )
        for user in users
    ]
