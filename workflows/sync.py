"""Reconcile what a vendor reports with the seats Seatkeeper knows.

Each verb is idempotent: running it again with the same vendor data changes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from workflows.audit import SYNC, record
from workflows.catalog import AppConfig, Config
from workflows.commands import AddFoundSeats, ReconcileSeats, RecordUsage
from workflows.model import normal_email
from workflows.ports import Clock, HeldRow, NewSeat, SeatRecord, UnitOfWork
from workflows.seats import promote_waitlist
from workflows.states import SEAT, SeatEvent, next_state

# A vendor that suddenly lists nothing while this many seats are recorded is more likely
# misconfigured or glitching than emptied: its seats are kept and IT is told.
EMPTY_LISTING_GUARD = 2
# For larger apps, a listing that would remove more than half the seats at once is held back.
MASS_REMOVAL_GUARD = 10
# A seat Seatkeeper revoked may stay listed as cancelled, still billed, for up to a yearly cycle.
BILLING_MEMORY = dt.timedelta(days=366)


@dataclass
class SeatDrift:
    """What changed for one app in one sync."""

    app_key: str
    found: list[str] = field(default_factory=list)
    gone: list[str] = field(default_factory=list)
    tier_changes: list[tuple[str, str, str]] = field(default_factory=list)
    unknown_tiers: list[tuple[str, str]] = field(default_factory=list)
    activity: int = 0
    error: str | None = None

    @property
    def changed(self) -> bool:
        """True when the seats themselves changed (activity alone is not drift)."""
        return bool(self.found or self.gone or self.tier_changes)


def reconcile_seats(
    cmd: ReconcileSeats, *, uow: UnitOfWork, config: Config, clock: Clock
) -> SeatDrift:
    """Make the stored seats of one app match the vendor's complete list.

    Seats recorded after `listed_at` (while the vendor was being read) are left alone: the
    listing could not have known them. A listing that would remove most recorded seats at
    once looks broken rather than true, so nothing is changed and IT is told — unless
    `accept_removals` says an operator checked it.
    """
    app_key = cmd.app_key
    app = config.app(app_key)
    drift = SeatDrift(app_key)
    # Plain rows, not objects: a sync compares every held seat, and only the changed ones
    # are written back, in one statement.
    known = {row.email.lower(): row for row in uow.seats.held_rows(app_key)}
    reported = _merge(cmd.records, known)
    missing = sum(1 for email in known if email not in reported)
    if not cmd.accept_removals:
        drift.error = _removal_problem(missing, len(known))
        if drift.error:
            return drift
    new = _Newcomers(app_key, uow, clock, [email for email in reported if email not in known])
    changed: list[HeldRow] = []
    for email, found in sorted(reported.items()):
        seat = known.get(email)
        if seat is None:
            new.add(email, found, app, drift)
            continue
        before = (
            seat.tier_key,
            seat.status,
            seat.last_active_on,
            seat.activity_source,
            seat.paid_until,
        )
        tier = _tier(found.tier, seat.tier_key, app, drift, email)
        if seat.tier_key != tier:
            drift.tier_changes.append((email, seat.tier_key, tier))
            seat.status = next_state(SEAT, seat.status, SeatEvent.CHANGE_TIER)
            subject = _subject(app_key, email)
            record(uow, clock, SYNC, "seat.tier_changed", subject, old=seat.tier_key, new=tier)
            seat.tier_key = tier
        drift.activity += _note_activity(seat, found.last_active_on, found.activity)
        seat.paid_until = found.ends_on
        after = (
            seat.tier_key,
            seat.status,
            seat.last_active_on,
            seat.activity_source,
            seat.paid_until,
        )
        if after != before:
            changed.append(seat)
    new.write()
    for email, seat in sorted(known.items()):
        if email in reported or _newer(seat, cmd.listed_at):
            continue
        seat.status = next_state(SEAT, seat.status, SeatEvent.GONE)
        seat.ended_on = clock.now().date()
        record(uow, clock, SYNC, "seat.gone", _subject(app_key, email), tier=seat.tier_key)
        drift.gone.append(email)
        changed.append(seat)
    uow.seats.save_rows(changed)
    if drift.gone:
        promote_waitlist(app_key, uow=uow, config=config, clock=clock)
    return drift


def add_found_seats(
    cmd: AddFoundSeats, *, uow: UnitOfWork, config: Config, clock: Clock
) -> SeatDrift:
    """Add the seats of `records` the app holds none for, as `reconcile_seats` would; with
    `listed`, first refuse (changing nothing) a listing that would remove most seats."""
    drift = SeatDrift(cmd.app_key)
    if cmd.listed is not None:
        still = len(uow.seats.activity_on(cmd.app_key, cmd.listed))
        held = uow.seats.count_active(cmd.app_key)
        drift.error = _removal_problem(held - still, held)
        if drift.error:
            return drift
    held_now = uow.seats.activity_on(cmd.app_key, (r.email for r in cmd.records))
    records = {r.email: r for r in cmd.records if r.email not in held_now}
    new = _Newcomers(cmd.app_key, uow, clock, list(records))
    app = config.app(cmd.app_key)
    for email, found in sorted(records.items()):
        new.add(email, found, app, drift)
    new.write()
    return drift


def merge_seats(records: Sequence[SeatRecord]) -> list[SeatRecord]:
    """One record per (normal) email, by email, as `reconcile_seats` merges a new seat's."""
    merged = sorted(_merge(records, {}).items())
    return [r if r.email == email else replace(r, email=email) for email, r in merged]


@dataclass
class _Newcomers:
    """Seats new to an app: their holders looked up at once, each audited as it is found,
    then all written with one statement."""

    app_key: str
    uow: UnitOfWork
    clock: Clock
    emails: list[str]
    seats: list[NewSeat] = field(default_factory=list)

    def __post_init__(self) -> None:
        # One query for all holders: a query per seat also flushes the session each time,
        # which made a first sync of thousands of seats take minutes.
        self.holders = self.uow.people.slack_ids(self.emails)
        app_key, uow, clock = self.app_key, self.uow, self.clock
        self.revoked = functools.cache(
            lambda: uow.seats.revoked_since(app_key, clock.now().date() - BILLING_MEMORY)
        )
        self.now = clock.now()

    def add(self, email: str, found: SeatRecord, app: AppConfig | None, drift: SeatDrift) -> None:
        tier = _tier(found.tier, None, app, drift, email)
        if found.ends_on is not None and email in self.revoked():
            return  # the cancellation Seatkeeper asked for, billed to the end of its cycle
        used = newer_activity((None, None), found.last_active_on, found.activity)
        last_active_on, activity_source = used or (None, None)
        self.seats.append(
            NewSeat(
                self.app_key,
                tier,
                email,
                self.holders.get(email),
                found.assigned_on or self.now.date(),
                found.ends_on,
                self.now,
                last_active_on,
                activity_source,
            )
        )
        record(self.uow, self.clock, SYNC, "seat.found", _subject(self.app_key, email), tier=tier)
        drift.found.append(email)

    def write(self) -> None:
        """Write the seats found."""
        self.uow.seats.add_new(self.seats)
        self.seats = []


def _removal_problem(missing: int, known: int) -> str | None:
    """Why a listing that would remove `missing` of `known` seats is refused, or None."""
    if not _looks_broken(missing, known):
        return None
    return (
        f"the vendor's list would remove {missing} of the {known} recorded seats, "
        "so nothing was changed; check the connector, then run `seatkeeper run sync "
        "--accept-removals` if the removals are real"
    )


def _looks_broken(missing: int, known: int) -> bool:
    """Everything gone (of several), or most of a larger app's seats gone at once."""
    if missing == known:
        return known >= EMPTY_LISTING_GUARD
    return known >= MASS_REMOVAL_GUARD and missing * 2 > known


def record_usage(
    cmd: RecordUsage, *, uow: UnitOfWork, config: Config, clock: Clock
) -> tuple[int, int]:
    """Store last activity per email with its words; return (seats updated, emails without a seat).

    A date older than the one a seat has (from any source) changes nothing. Only the dates of
    the seats of the emails given are read, and the changed ones written in one statement, so
    a large file is recorded a batch at a time at the database's pace, and an unchanged one
    writes nothing.
    """
    usage = _normal_usage(cmd.usage)
    known = uow.seats.activity_on(cmd.app_key, usage)
    newer = {
        email: day
        for email, day in usage.items()
        if email in known and newer_activity(known[email], day, cmd.activity) is not None
    }
    updated = uow.seats.record_newer_activity(cmd.app_key, newer, cmd.activity)
    return updated, len(usage) - len(known)


def _normal_usage(usage: Mapping[str, dt.date]) -> Mapping[str, dt.date]:
    """The latest day per normal email (`usage` itself when its emails are all normal, as an
    import's are)."""
    if all(email == normal_email(email) for email in usage):
        return usage
    normal: dict[str, dt.date] = {}
    for email, day in usage.items():
        who = normal_email(email)
        normal[who] = max(day, normal.get(who, day))
    return normal


def _merge(records: Sequence[SeatRecord], known: Mapping[str, HeldRow]) -> dict[str, SeatRecord]:
    """One record per email whatever the vendor's order: the stored tier wins, dates merge.

    The merged last activity keeps the words of the record it came from.
    """
    merged: dict[str, SeatRecord] = {}
    for found in records:
        email = found.email.strip().lower()
        other = merged.get(email)
        if other is None:
            merged[email] = found
            continue
        stored = known[email].tier_key if email in known else None
        tiers = sorted(t for t in (found.tier, other.tier) if t)
        tier = stored if stored in tiers else (tiers[0] if tiers else None)
        last_active_on, activity = _later_activity(found, other)
        merged[email] = SeatRecord(
            email,
            tier,
            _earliest(found.assigned_on, other.assigned_on),
            last_active_on,
            _latest(found.ends_on, other.ends_on),
            activity,
        )
    return merged


def _tier(
    reported: str | None, stored: str | None, app: AppConfig | None, drift: SeatDrift, email: str
) -> str:
    """The reported tier if the catalog has it; else the `stored` one, else the first tier."""
    fallback = stored or (app.tiers[0].key if app else "")
    if reported is None or app is None:
        return reported or fallback
    if reported not in app.tier_keys:
        drift.unknown_tiers.append((email, reported))
        return fallback
    return reported


def _newer(seat: HeldRow, listed_at: dt.datetime | None) -> bool:
    return listed_at is not None and seat.recorded_at is not None and seat.recorded_at > listed_at


def _note_activity(seat: HeldRow, day: dt.date | None, words: str | None) -> int:
    """Record `day` and its words if newer than the seat's; 1 if the seat changed, else 0."""
    after = newer_activity((seat.last_active_on, seat.activity_source), day, words)
    if after is None:
        return 0
    seat.last_active_on, seat.activity_source = after
    return 1


def newer_activity(
    stored: tuple[dt.date | None, str | None], day: dt.date | None, words: str | None
) -> tuple[dt.date, str | None] | None:
    """A seat's last activity and its words after `day` is reported, or None for no change.

    Sources overlap (a sync and a usage file, say), so the newest date wins whatever its
    source. The same date keeps the words already stored: nothing says which is truer.
    """
    last, source = stored
    if day is None:
        return None
    if last is None or day > last:
        return day, words
    if day == last and source is None and words:
        return day, words  # a date stored before its words were: now they are known
    return None


def _later_activity(a: SeatRecord, b: SeatRecord) -> tuple[dt.date | None, str | None]:
    """The later last activity of two records, with its words (on a tie, whatever the order)."""
    dated = [(r.last_active_on, r.activity or "") for r in (a, b) if r.last_active_on]
    if not dated:
        return None, None
    day, words = max(dated)
    return day, words or None


def _earliest(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return min(d for d in (a, b) if d) if (a or b) else None


def _latest(a: dt.date | None, b: dt.date | None) -> dt.date | None:
    return max(d for d in (a, b) if d) if (a or b) else None


def _subject(app_key: str, email: str) -> str:
    return f"seat:{app_key}:{email}"
