"""Seat holders in a running world: seats given at the vendor, reclaim passes, their DMs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import httpx

from messages import ids
from store import tables
from tests.fakes.slack_requests import button_value
from tests.scenario.world import PEOPLE, World
from workflows.catalog import Config
from workflows.model import Seat
from workflows.ports import Assignee, Clock, UnitOfWork
from workflows.reclaim import ReclaimReport

EMAIL = {person["slack_user_id"]: person["email"] for person in PEOPLE}
QUESTION = (ids.RECLAIM_KEEP, ids.RECLAIM_RELEASE, ids.RECLAIM_EXTEND)


@dataclass(frozen=True)
class AddSeat:
    """Record a seat as a sync would have found it."""

    seat: Seat


def _add_seat(cmd: AddSeat, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    uow.seats.add(cmd.seat)


@dataclass(frozen=True)
class Leave:
    """The directory marks someone inactive."""

    email: str


def leave(cmd: Leave, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    person = uow.people.by_email(cmd.email)
    assert person is not None
    person.active = False


def give_seat(
    world: World,
    user: str,
    *,
    app: str = "figma",
    tier: str = "professional",
    idle_days: int | None = 60,
    age_days: int = 200,
    end_date: dt.date | None = None,
) -> None:
    """A seat `user` holds at the vendor (Figma: a real SCIM user) and in Seatkeeper."""
    today = world.clock.now().date()
    email = EMAIL[user]
    if app == "figma":
        world.app.connectors["figma"].assign(Assignee(email, email, user), tier)
    seat = Seat(
        app_key=app,
        tier_key=tier,
        email=email,
        slack_user_id=user,
        assigned_on=today - dt.timedelta(days=age_days),
        last_active_on=today - dt.timedelta(days=idle_days) if idle_days is not None else None,
        activity_source="last sign-in" if idle_days is not None else None,
        recorded_at=world.clock.now(),
        end_date=end_date,
    )
    world.app.runner(_add_seat, AddSeat(seat))


def reclaim(world: World) -> ReclaimReport:
    """One reclaim pass, then every job that is due (DMs in working hours, vendor calls)."""
    report = world.app.passes.reclaim.run()
    world.drain()
    return report


def later(world: World, **delta: float) -> None:
    """Let time pass and send what became due (DMs waiting for working hours)."""
    world.clock.advance(**delta)
    world.drain()


def roots(world: World, user: str) -> list[dict[str, Any]]:
    """The DMs about `user`'s seats (roots, not replies), oldest first."""
    return [m for m in world.thread(user) if not m.get("thread_ts") and _about_a_seat(m)]


def question(world: World, user: str) -> dict[str, Any]:
    """The newest DM about a seat that still asks something."""
    asking = [m for m in roots(world, user) if any(button_value(m, a) for a in QUESTION)]
    assert asking, f"no open question in {user}'s DMs: {[m['text'] for m in world.thread(user)]}"
    return asking[-1]


def replies(world: World, root: dict[str, Any]) -> list[str]:
    """The texts of the replies in a DM's thread, oldest first."""
    return [
        m["text"]
        for m in world.slack.messages(root["channel"])
        if m.get("thread_ts") == root["ts"] and m["ts"] != root["ts"]
    ]


def current(world: World, message: dict[str, Any]) -> dict[str, Any]:
    """A posted message as it is now (after updates)."""
    return next(m for m in world.slack.messages(message["channel"]) if m["ts"] == message["ts"])


def buttons(message: dict[str, Any]) -> list[str]:
    """The action ids of every button in a message."""
    return [
        element["action_id"]
        for block in message.get("blocks", [])
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if element.get("type") == "button"
    ]


def seat_rows(world: World, email: str) -> list[tuple[str, str, str]]:
    """(app, tier, status) of every seat `email` ever held, oldest first."""
    with world.app.engine.connect() as connection:
        rows = connection.execute(
            tables.seats.select().where(tables.seats.c.email == email).order_by(tables.seats.c.id)
        )
        return [(row.app_key, row.tier_key, row.status) for row in rows]


def scim_user(world: World, user: str) -> dict[str, Any]:
    """The SCIM User of `user`'s email, with the groups it is in."""
    auth = {"Authorization": f"Bearer {world.scim.token}"}
    email = EMAIL[user]
    found = httpx.get(
        f"{world.scim.base_url}/Users",
        params={"filter": f'userName eq "{email}"'},
        headers=auth,
    ).json()["Resources"][0]
    groups = httpx.get(f"{world.scim.base_url}/Groups", headers=auth).json()["Resources"]
    names = sorted(
        g["displayName"]
        for g in groups
        for member in g.get("members") or []
        if member["value"] == found["id"]
    )
    return {"active": found.get("active", True), "groups": names}


def _about_a_seat(message: dict[str, Any]) -> bool:
    """A seat question's root carries the marker of the job that posted it."""
    marker = ((message.get("metadata") or {}).get("event_payload") or {}).get("marker", "")
    return str(marker).startswith("reclaim.notify:")
