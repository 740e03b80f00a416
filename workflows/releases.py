"""A seat being released: the vendor (or IT) confirmed it, or IT has to do it by hand.

Once confirmed, the seat is revoked or downgraded, the saving is recorded on its case, the
holder is told, and the freed seat goes to the first person waiting for one.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from workflows import jobs
from workflows.audit import record
from workflows.cases import DOWNGRADE, audit, load_case, saving, tell_holder
from workflows.catalog import Config
from workflows.commands import HandReleaseToIt, QueueHomeRefresh, RecordReleased
from workflows.jobs import queue_home_refresh
from workflows.model import CaseKind, ReclaimCase, Seat, SeatStatus, Task
from workflows.ports import Clock, UnitOfWork
from workflows.seats import promote_waitlist
from workflows.states import SEAT, SeatEvent, next_state


@dataclass(frozen=True)
class SeatReleased:
    case_id: int
    monthly_saving: Decimal
    handed_over: bool = False
    repeated: bool = False


def record_released(
    cmd: RecordReleased, *, uow: UnitOfWork, config: Config, clock: Clock
) -> SeatReleased:
    """The seat is removed (or downgraded) at the vendor: record it, the saving, and move the
    waitlist on."""
    case = load_case(uow, cmd.case_id, lock=True)
    seat = uow.seats.get(case.seat_id, for_update=True)
    if seat is None or seat.status != SeatStatus.RELEASING:
        return SeatReleased(case.id or 0, case.monthly_saving or Decimal(0), repeated=True)
    now = clock.now()
    if case.action == DOWNGRADE and case.to_tier:
        seat.status = next_state(SEAT, seat.status, SeatEvent.DOWNGRADED)
        uow.seats.add(_lower_seat(seat, case.to_tier, clock))
    else:
        seat.status = next_state(SEAT, seat.status, SeatEvent.REVOKED)
    seat.ended_on = now.date()
    case.monthly_saving, case.completed_at = saving(config, case), now
    what = "seat.downgraded" if case.action == DOWNGRADE else "seat.revoked"
    audit(uow, clock, cmd.actor, what, case, kind=case.kind.value, saving=str(case.monthly_saving))
    handed_over = promote_waitlist(case.app_key, uow=uow, config=config, clock=clock) > 0
    if case.kind != CaseKind.LEAVER and case.holder:
        event = "downgraded" if case.action == DOWNGRADE else "removed"
        tell_holder(uow, clock, case, event, gated=False, handed_over=handed_over)
        queue_home_refresh(QueueHomeRefresh(user=case.holder), uow=uow, config=config, clock=clock)
    return SeatReleased(case.id or 0, case.monthly_saving, handed_over)


def _lower_seat(seat: Seat, tier_key: str, clock: Clock) -> Seat:
    """The seat a downgrade leaves the holder with: a new one on the lower tier."""
    return Seat(
        app_key=seat.app_key,
        tier_key=tier_key,
        email=seat.email,
        slack_user_id=seat.slack_user_id,
        assigned_on=clock.now().date(),
        last_active_on=seat.last_active_on,
        activity_source=seat.activity_source,
        recorded_at=clock.now(),
        snoozed_until=seat.snoozed_until,
    )


def release_failed(
    cmd: HandReleaseToIt, *, uow: UnitOfWork, config: Config, clock: Clock
) -> Task | None:
    """Removing the seat through its connector failed for good (or cannot be done): IT gets a
    task with a Done button, and the holder is told IT will do it."""
    case = load_case(uow, cmd.case_id, lock=True)
    seat = uow.seats.get(case.seat_id)
    if seat is None or seat.status != SeatStatus.RELEASING:
        return None
    task = Task(
        kind="release",
        summary=_summary(case, config),
        why=cmd.why,
        detail=cmd.detail,
        created_at=clock.now(),
        case_id=case.id,
    )
    uow.tasks.add(task)
    uow.flush()
    said = {"detail": cmd.detail} if cmd.detail else {}
    record(
        uow,
        clock,
        "seatkeeper",
        "task.opened",
        f"task:{task.id}",
        case=case.id,
        why=cmd.why,
        **said,
    )
    jobs.enqueue(uow, clock, jobs.ITTask(task_id=task.id or 0), f"{task.id}")
    if case.kind != CaseKind.LEAVER and case.holder:
        tell_holder(uow, clock, case, "by_it", gated=False)
    return task


def _summary(case: ReclaimCase, config: Config) -> str:
    """What IT has to do, in Seatkeeper's own words (mrkdwn: it may mention the holder)."""
    app = config.app(case.app_key)
    name = app.name if app else case.app_key
    tier = app.tier(case.tier_key) if app else None
    tier_name = tier.name if tier else case.tier_key
    who = f"<@{case.holder}>" if case.holder else case.email
    if case.action == DOWNGRADE and case.to_tier:
        lower = app.tier(case.to_tier) if app else None
        return (
            f"Move {who}'s {name} seat from {tier_name} to {lower.name if lower else case.to_tier}"
        )
    email = f" ({case.email})" if case.holder else ""
    return f"Remove {who}'s {name} {tier_name} seat{email}"
