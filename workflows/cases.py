"""Reclaim cases: opening one, moving it on, taking its seat back, and queuing what the holder
hears. The verbs of `reclaim`, `answers`, `waves` and `releases` are built from these.

A case's root DM is posted once (`ReclaimNotify`) and shown as the case stands whenever it
changes (`ReclaimUpdate`); news goes into its thread (`ReclaimNews`). All three share one queue
per case, so they reach the holder in order.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from workflows import jobs
from workflows.audit import record
from workflows.catalog import AppConfig, Config, ReclaimPolicy
from workflows.errors import NotFound
from workflows.idle import Assessment
from workflows.model import CaseKind, CaseStatus, ReclaimCase, Seat
from workflows.ports import Clock, UnitOfWork
from workflows.states import CASE, SEAT, CaseEvent, SeatEvent, next_state

REVOKE, DOWNGRADE = "revoke", "downgrade"


def subject(case: ReclaimCase) -> str:
    """The audit subject of a case: its seat's, so a seat's whole story reads together."""
    return f"seat:{case.app_key}:{case.email}"


def load_case(uow: UnitOfWork, case_id: int, *, lock: bool = False) -> ReclaimCase:
    """The case with this id, or NotFound."""
    case = uow.cases.get(case_id, for_update=lock)
    if case is None:
        raise NotFound("That question does not exist any more.")
    return case


def load_seat(uow: UnitOfWork, case: ReclaimCase) -> Seat:
    """The seat a case is about, locked until commit."""
    seat = uow.seats.get(case.seat_id, for_update=True)
    if seat is None:
        raise NotFound("That seat does not exist any more.")
    return seat


def holder_of(seat: Seat, uow: UnitOfWork) -> str | None:
    """The seat holder's Slack user id, from the directory first (ids can move)."""
    person = uow.people.by_email(seat.email)
    if person is not None and person.slack_user_id:
        return person.slack_user_id
    return seat.slack_user_id


def open_case(
    assessment: Assessment,
    kind: CaseKind,
    holder: str | None,
    *,
    uow: UnitOfWork,
    clock: Clock,
    waiting: bool = False,
    deadline: dt.datetime | None = None,
) -> ReclaimCase:
    """Open a case about the assessed seat and queue its root DM (sent in working hours)."""
    case = _new_case(
        assessment.seat, kind, holder, uow=uow, clock=clock, waiting=waiting, deadline=deadline
    )
    jobs.enqueue(uow, clock, jobs.ReclaimNotify(case_id=case.id or 0), f"{case.id}")
    return case


def closed_case(
    seat: Seat,
    kind: CaseKind,
    status: CaseStatus,
    holder: str | None,
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> ReclaimCase:
    """A case that is decided as it opens (a leaver, or a holder who releases unasked)."""
    return _new_case(seat, kind, holder, uow=uow, clock=clock, status=status, closed_at=clock.now())


def _new_case(
    seat: Seat,
    kind: CaseKind,
    holder: str | None,
    *,
    uow: UnitOfWork,
    clock: Clock,
    status: CaseStatus = CaseStatus.SCHEDULED,
    closed_at: dt.datetime | None = None,
    waiting: bool = False,
    deadline: dt.datetime | None = None,
) -> ReclaimCase:
    """A new case about `seat`, with the evidence of its last use, stored with its id."""
    case = ReclaimCase(
        seat_id=seat.id or 0,
        app_key=seat.app_key,
        tier_key=seat.tier_key,
        email=seat.email,
        kind=kind,
        opened_at=clock.now(),
        holder=holder,
        status=status,
        last_active_on=seat.last_active_on,
        activity_source=seat.activity_source,
        waiting=waiting,
        deadline=deadline,
        closed_at=closed_at,
    )
    uow.cases.add(case)
    uow.flush()
    return case


def move(case: ReclaimCase, event: CaseEvent, now: dt.datetime, *, note: str | None = None) -> None:
    """Apply `event` to the case; a move into a closed state closes it."""
    case.status = next_state(CASE, case.status, event)
    if not case.is_open:
        case.closed_at = now
        case.note = note or case.note


def reclaim_action(seat: Seat, app: AppConfig, policy: ReclaimPolicy) -> tuple[str, str | None]:
    """What taking this seat back does: ("downgrade", tier) where the policy says so and the
    seat is above that tier, else ("revoke", None)."""
    target = policy.downgrade_to
    if policy.action == DOWNGRADE and target and target != seat.tier_key and app.tier(target):
        return DOWNGRADE, target
    return REVOKE, None


def start_release(
    case: ReclaimCase,
    seat: Seat,
    action: tuple[str, str | None],
    *,
    uow: UnitOfWork,
    clock: Clock,
) -> None:
    """Mark the seat as being released and queue the vendor call that removes or downgrades it."""
    seat.status = next_state(SEAT, seat.status, SeatEvent.RELEASE)
    case.action, case.to_tier = action
    jobs.enqueue(uow, clock, jobs.SeatRelease(case_id=case.id or 0), f"{case.id}")


def refresh(uow: UnitOfWork, clock: Clock, case: ReclaimCase) -> None:
    """Show the case as it stands now in its root DM (if one was posted)."""
    update = jobs.ReclaimUpdate(case_id=case.id or 0)
    jobs.enqueue(uow, clock, update, f"{case.id}:{case.status}:{clock.now().isoformat()}")


def tell_holder(
    uow: UnitOfWork,
    clock: Clock,
    case: ReclaimCase,
    event: str,
    *,
    gated: bool = True,
    handed_over: bool = False,
) -> None:
    """Queue a reply in the case's DM thread (once per event)."""
    news = jobs.ReclaimNews(case_id=case.id or 0, event=event, gated=gated, handed_over=handed_over)
    jobs.enqueue(uow, clock, news, f"{case.id}:{event}")


def wave_changed(uow: UnitOfWork, clock: Clock, wave_id: int, what: str) -> None:
    """Show a review wave as it stands in its message (`what` changed: the job's key)."""
    jobs.enqueue(uow, clock, jobs.WaveUpdate(wave_id=wave_id), f"{wave_id}:{what}")


def price(config: Config, app_key: str, tier_key: str | None) -> Decimal:
    """A tier's monthly price per seat (0 when the app or tier is not in the catalog)."""
    app = config.app(app_key)
    tier = app.tier(tier_key) if app and tier_key else None
    return tier.monthly_price if tier else Decimal(0)


def saving(config: Config, case: ReclaimCase) -> Decimal:
    """What taking the case's seat back saves per month (a downgrade: the difference)."""
    before = price(config, case.app_key, case.tier_key)
    after = price(config, case.app_key, case.to_tier) if case.action == DOWNGRADE else Decimal(0)
    return max(before - after, Decimal(0))


def audit(
    uow: UnitOfWork, clock: Clock, actor: str, action: str, case: ReclaimCase, **data: object
) -> None:
    """Append an audit event about a case."""
    record(uow, clock, actor, action, subject(case), case=case.id, tier=case.tier_key, **data)
