"""Reconcile what vendors and the directory report with what Seatkeeper knows.

Each verb is idempotent: running it again with the same vendor data changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from workflows.audit import record
from workflows.catalog import Config
from workflows.model import Person, Seat
from workflows.ports import Clock, PersonRecord, SeatRecord, UnitOfWork
from workflows.seats import promote_waitlist
from workflows.states import SEAT, next_state

SYNC = "sync"


@dataclass
class SeatDrift:
    """What changed for one app in one sync."""

    app_key: str
    found: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    tier_changes: list[tuple[str, str, str]] = field(default_factory=list)
    activity: int = 0
    error: str | None = None

    @property
    def changed(self) -> bool:
        """True when the seats themselves changed (activity alone is not drift)."""
        return bool(self.found or self.gone or self.tier_changes)


@dataclass
class PeopleDrift:
    """What changed in the directory in one sync."""

    joined: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def changed(self) -> bool:
        """True when someone joined or left (profile edits are not drift)."""
        return bool(self.joined or self.left)


def reconcile_seats(
    app_key: str, records: list[SeatRecord], *, uow: UnitOfWork, config: Config, clock: Clock
) -> SeatDrift:
    """Make the stored seats of one app match the vendor's complete list."""
    app = config.app(app_key)
    default_tier = app.tiers[0].key if app else ""
    drift = SeatDrift(app_key)
    known = {seat.email.lower(): seat for seat in uow.seats.held_on(app_key)}
    reported = {r.email.lower(): r for r in records}
    for email, found in sorted(reported.items()):
        seat = known.get(email)
        tier = found.tier or (seat.tier_key if seat else default_tier)
        if seat is None:
            _discover(app_key, email, tier, found, uow=uow, clock=clock)
            drift.found.append(email)
            continue
        if seat.tier_key != tier:
            drift.tier_changes.append((email, seat.tier_key, tier))
            seat.status = next_state(SEAT, seat.status, "change_tier")
            record(
                uow, clock, SYNC, "seat.tier_changed", _subject(seat), old=seat.tier_key, new=tier
            )
            seat.tier_key = tier
        drift.activity += _note_activity(seat, found.last_active_on)
        seat.paid_until = found.ends_on
    for email, seat in sorted(known.items()):
        if email not in reported:
            seat.status = next_state(SEAT, seat.status, "gone")
            seat.ended_on = clock.now().date()
            record(uow, clock, SYNC, "seat.gone", _subject(seat), tier=seat.tier_key)
            drift.gone.append(email)
    if drift.gone:
        promote_waitlist(app_key, uow=uow, config=config, clock=clock)
    return drift


def record_usage(
    app_key: str, usage: dict[str, dt.date], *, uow: UnitOfWork, **_: object
) -> tuple[int, list[str]]:
    """Store last activity per email; return (seats updated, emails without a seat)."""
    updated, unknown = 0, []
    held = {seat.email.lower(): seat for seat in uow.seats.held_on(app_key)}
    for email, day in sorted(usage.items()):
        seat = held.get(email.lower())
        if seat is None:
            unknown.append(email)
        else:
            updated += _note_activity(seat, day)
    return updated, unknown


def sync_people(
    people: list[PersonRecord], *, uow: UnitOfWork, clock: Clock, **_: object
) -> PeopleDrift:
    """Bring the directory up to date; someone turning inactive is a leaver."""
    drift = PeopleDrift()
    for found in people:
        email = found.email.lower()
        person = uow.people.by_email(email)
        if person is None:
            uow.people.add(
                Person(
                    email=email,
                    name=found.name,
                    slack_user_id=found.slack_user_id,
                    manager_email=_lower(found.manager_email),
                    department=found.department,
                    active=found.active,
                )
            )
            if found.active:
                drift.joined.append(email)
            continue
        if person.active and not found.active:
            drift.left.append(email)
            record(uow, clock, SYNC, "person.left", f"person:{email}")
        if _update_person(person, found):
            drift.updated.append(email)
    return drift


def _discover(
    app_key: str, email: str, tier: str, found: SeatRecord, *, uow: UnitOfWork, clock: Clock
) -> None:
    person = uow.people.by_email(email)
    seat = Seat(
        app_key=app_key,
        tier_key=tier,
        email=email,
        slack_user_id=person.slack_user_id if person else None,
        assigned_on=found.assigned_on or clock.now().date(),
        last_active_on=found.last_active_on,
        paid_until=found.ends_on,
    )
    uow.seats.add(seat)
    record(uow, clock, SYNC, "seat.found", _subject(seat), tier=tier)


def _note_activity(seat: Seat, day: dt.date | None) -> int:
    if day is None or (seat.last_active_on is not None and day <= seat.last_active_on):
        return 0
    seat.last_active_on = day
    return 1


def _update_person(person: Person, found: PersonRecord) -> bool:
    wanted = {
        "name": found.name or person.name,
        "slack_user_id": found.slack_user_id or person.slack_user_id,
        "manager_email": _lower(found.manager_email),
        "department": found.department,
        "active": found.active,
    }
    changed = {k: v for k, v in wanted.items() if getattr(person, k) != v}
    for key, value in changed.items():
        setattr(person, key, value)
    return bool(changed)


def _lower(email: str | None) -> str | None:
    return email.lower() if email else None


def _subject(seat: Seat) -> str:
    return f"seat:{seat.app_key}:{seat.email}"
