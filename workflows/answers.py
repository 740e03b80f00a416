"""What seat holders do: answer "keep or release?", release a seat unasked, ask for one back.

Only the holder (or an admin) may answer for a seat; a repeated click changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from workflows import jobs
from workflows.audit import SYSTEM, record
from workflows.cases import (
    DOWNGRADE,
    REVOKE,
    audit,
    closed_case,
    load_case,
    load_seat,
    move,
    refresh,
    saving,
    start_release,
    wave_changed,
)
from workflows.catalog import Config
from workflows.commands import (
    AnswerCase,
    HolderUnreachable,
    MarkPrompted,
    ReleaseSeat,
    RequestBack,
)
from workflows.errors import NotFound, Refused
from workflows.model import CaseKind, CaseStatus, ReclaimCase, Request, RequestStatus, SeatStatus
from workflows.notify import subject as request_subject
from workflows.notify import tell_requester
from workflows.ports import Clock, UnitOfWork
from workflows.requests import advance
from workflows.seats import seats_left
from workflows.states import CASE, CaseEvent, allows

BACK_REASON = "Asked for it back after it was released"
ANSWERED = {
    CaseStatus.KEPT: "kept",
    CaseStatus.RELEASED: "released",
    CaseStatus.RECLAIMED: "taken back",
    CaseStatus.SKIPPED: "closed",
}


@dataclass(frozen=True)
class CaseAnswered:
    case_id: int
    status: CaseStatus
    repeated: bool = False


def answer_case(cmd: AnswerCase, *, uow: UnitOfWork, config: Config, clock: Clock) -> CaseAnswered:
    """Keep (snooze for idle_days), release or downgrade the case's seat."""
    case = load_case(uow, cmd.case_id, lock=True)
    wanted = CaseStatus.KEPT if cmd.choice == "keep" else CaseStatus.RELEASED
    if case.status == wanted and case.answered_by == cmd.actor:
        return CaseAnswered(case.id or 0, case.status, repeated=True)
    _check_may_answer(case, cmd.actor, config)
    if case.kind != CaseKind.IDLE:
        raise Refused("This seat has an end date: use Extend to keep it longer.")
    seat = load_seat(uow, case)
    app = config.app(case.app_key)
    if app is None:
        raise NotFound("That app is not in the catalog any more.")
    policy = config.reclaim_policy(app)
    now = clock.now()
    event = CaseEvent.KEEP if cmd.choice == "keep" else CaseEvent.RELEASE
    if not allows(CASE, case.status, event):
        raise Refused(_already(case))
    case.answered_by, case.answered_at = cmd.actor, now
    if cmd.choice == "keep":
        move(case, event, now)
        seat.snoozed_until = now + dt.timedelta(days=policy.idle_days)
        audit(uow, clock, cmd.actor, "reclaim.kept", case, until=seat.snoozed_until.isoformat())
    else:
        action: tuple[str, str | None] = (REVOKE, None)
        if cmd.choice == "downgrade":
            target = policy.downgrade_to
            if not target or target == seat.tier_key or app.tier(target) is None:
                raise Refused(f"{app.name} has no tier to move this seat down to.")
            action = (DOWNGRADE, target)
        move(case, event, now)
        start_release(case, seat, action, uow=uow, clock=clock)
        audit(
            uow, clock, cmd.actor, f"reclaim.{cmd.choice}d", case, saving=str(saving(config, case))
        )
    refresh(uow, clock, case)
    _wave_changed(case, uow, clock)
    return CaseAnswered(case.id or 0, case.status)


def release_seat(
    cmd: ReleaseSeat, *, uow: UnitOfWork, config: Config, clock: Clock
) -> CaseAnswered:
    """The holder gives up a seat unasked: it is removed now and they may ask for it back."""
    seat = uow.seats.get(cmd.seat_id, for_update=True)
    person = uow.people.by_slack_id(cmd.actor)
    mine = seat is not None and person is not None and seat.email == person.email
    if seat is None or not (mine or cmd.actor in config.admins):
        raise Refused("That is not one of your seats.")
    if seat.status != SeatStatus.ACTIVE:
        raise Refused("That seat is already being released.")
    now = clock.now()
    case = uow.cases.open_for(seat.id or 0)
    if case is not None and allows(CASE, case.status, CaseEvent.RELEASE):
        move(case, CaseEvent.RELEASE, now)
        refresh(uow, clock, case)
        _wave_changed(case, uow, clock)
    else:
        if case is not None:
            move(case, CaseEvent.SKIP, now, note="released by the holder")
        holder = person.slack_user_id if mine and person else seat.slack_user_id
        case = closed_case(
            seat, CaseKind.RELEASE, CaseStatus.RELEASED, holder, uow=uow, clock=clock
        )
        notify = jobs.ReclaimNotify(case_id=case.id or 0, gated=False)
        jobs.enqueue(uow, clock, notify, f"{case.id}")
    case.answered_by, case.answered_at = cmd.actor, now
    start_release(case, seat, (REVOKE, None), uow=uow, clock=clock)
    audit(uow, clock, cmd.actor, "reclaim.released", case, saving=str(saving(config, case)))
    return CaseAnswered(case.id or 0, case.status)


def request_back(cmd: RequestBack, *, uow: UnitOfWork, config: Config, clock: Clock) -> int:
    """Within grace_days of a release, give the same tier back without approval if a seat is
    free; return the new request's id."""
    case = load_case(uow, cmd.case_id, lock=True)
    if cmd.actor != case.holder:
        raise Refused("Only the person who held this seat can ask for it back.")
    if case.requested_back is not None:
        raise Refused(f"You already asked for it back (request #{case.requested_back}).")
    app = config.app(case.app_key)
    if app is None or app.tier(case.tier_key) is None:
        raise NotFound("That app or tier is not in the catalog any more.")
    policy = config.reclaim_policy(app)
    if not back_possible(case, policy.grace_days, clock.now()):
        raise Refused(
            f"It is too late to ask for it back here; request {app.name} again with `/license`."
        )
    if uow.requests.with_status(RequestStatus.WAITLISTED, app_key=app.key):
        raise Refused(f"Others are waiting for a {app.name} seat; request it with `/license`.")
    if seats_left(app.key, uow=uow, config=config, tier_key=case.tier_key) == 0:
        raise Refused(f"Every {app.name} seat is taken now; request it with `/license`.")
    if uow.requests.open_for(cmd.actor, app.key, case.tier_key) is not None:
        raise Refused(f"You already have an open request for {app.name}.")
    held = uow.seats.active_for(case.email, app.key)
    if held is not None and held.tier_key == case.tier_key:
        raise Refused(f"You have a {app.name} seat on that tier again already.")
    request = _granted_request(case, uow=uow, config=config, clock=clock)
    case.requested_back = request.id
    audit(uow, clock, cmd.actor, "reclaim.requested_back", case, request=request.id)
    refresh(uow, clock, case)
    return request.id or 0


def back_possible(case: ReclaimCase, grace_days: int, now: dt.datetime) -> bool:
    """True while a released or reclaimed seat may be asked back without approval."""
    taken = case.status in (CaseStatus.RELEASED, CaseStatus.RECLAIMED)
    eligible = case.kind in (CaseKind.IDLE, CaseKind.RELEASE)
    recent = case.closed_at is not None and now <= case.closed_at + dt.timedelta(days=grace_days)
    return taken and eligible and recent and case.requested_back is None


def _granted_request(
    case: ReclaimCase, *, uow: UnitOfWork, config: Config, clock: Clock
) -> Request:
    now = clock.now()
    assert case.holder is not None
    request = Request(
        requester=case.holder,
        app_key=case.app_key,
        tier_key=case.tier_key,
        reason=BACK_REASON,
        created_at=now,
        updated_at=now,
        expires_at=now + dt.timedelta(days=config.defaults.expire_days),
        steps=[],  # no approval: the seat was theirs a moment ago
    )
    uow.requests.add(request)
    uow.flush()
    record(
        uow,
        clock,
        case.holder,
        "request.submitted",
        request_subject(request),
        app=case.app_key,
        tier=case.tier_key,
        back_from=case.id,
    )
    tell_requester(uow, clock, request, "submitted")
    advance(request, uow=uow, config=config, clock=clock)
    return request


def mark_prompted(cmd: MarkPrompted, *, uow: UnitOfWork, config: Config, clock: Clock) -> bool:
    """The holder's question goes out now with this deadline; False when it no longer should."""
    case = load_case(uow, cmd.case_id, lock=True)
    if case.status != CaseStatus.SCHEDULED:
        return case.status != CaseStatus.SKIPPED
    now = clock.now()
    move(case, CaseEvent.SEND, now)
    case.prompted_at = now
    if case.kind == CaseKind.IDLE:
        case.deadline = cmd.deadline
    audit(uow, clock, SYSTEM, "reclaim.prompted", case, deadline=_iso(case.deadline))
    return True


def holder_unreachable(
    cmd: HolderUnreachable, *, uow: UnitOfWork, config: Config, clock: Clock
) -> None:
    """The holder cannot be asked in Slack: close the question, keep the seat for an idle
    period (so IT hears once, not at every pass), and tell IT."""
    case = load_case(uow, cmd.case_id, lock=True)
    if not case.is_open:
        return
    app = config.app(case.app_key)
    seat = load_seat(uow, case)
    now = clock.now()
    move(case, CaseEvent.SKIP, now, note="the holder cannot be reached in Slack")
    idle_days = config.reclaim_policy(app).idle_days if app else config.defaults.reclaim.idle_days
    seat.snoozed_until = now + dt.timedelta(days=idle_days)
    audit(uow, clock, SYSTEM, "reclaim.unreachable", case)
    tier = app.tier(case.tier_key) if app else None
    what = f"{app.name} {tier.name}" if app and tier else f"{case.app_key} {case.tier_key}"
    text = (
        f"Slack cannot deliver a DM to <@{case.holder}> ({case.email}), so they were not asked "
        f"about their idle {what} seat. If they have left, mark them inactive in the directory "
        "and their seats are taken back."
    )
    jobs.enqueue(
        uow, clock, jobs.ITNotice(event="text", text=text), f"unreachable-holder:{case.id}"
    )


def _check_may_answer(case: ReclaimCase, actor: str, config: Config) -> None:
    if actor != case.holder and actor not in config.admins:
        who = f"<@{case.holder}>" if case.holder else "the seat holder"
        raise Refused(f"This question is for {who}, not you.")
    if not case.is_open:
        raise Refused(_already(case))


def _already(case: ReclaimCase) -> str:
    done = ANSWERED.get(case.status, case.status.value)
    by = f" by <@{case.answered_by}>" if case.answered_by else ""
    return f"This seat was already {done}{by}."


def _wave_changed(case: ReclaimCase, uow: UnitOfWork, clock: Clock) -> None:
    if case.wave_id is not None:  # the holder answered while IT reviewed: the wave shows it
        wave_changed(uow, clock, case.wave_id, f"{case.id}:{case.status}")


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None
