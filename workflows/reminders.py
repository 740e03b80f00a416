"""Silent approvers: remind once, escalate to the admins, expire — and keep the waitlist moving."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from workflows import jobs
from workflows.audit import SYSTEM, record
from workflows.catalog import Config
from workflows.commands import Tick
from workflows.model import ApprovalStep, Request, RequestStatus
from workflows.notify import ask_approvers, subject, tell_requester
from workflows.ports import Clock, UnitOfWork
from workflows.requests import close_open_steps
from workflows.seats import promote_waitlist
from workflows.states import REQUEST, STEP, RequestEvent, StepEvent, allows, next_state


@dataclass
class TickReport:
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    promoted: int = 0


def tick(cmd: Tick, *, uow: UnitOfWork, config: Config, clock: Clock) -> TickReport:
    """One pass over pending requests: reminders grouped per approver, escalations, expiry."""
    report = TickReport()
    now = clock.now()
    due: dict[str, list[tuple[int, int]]] = defaultdict(list)
    # Locked and re-read: a decision committed meanwhile is seen, not overwritten.
    for request in uow.requests.with_status(RequestStatus.PENDING, for_update=True):
        step = request.current_step()
        if now >= request.expires_at:
            _expire(request, uow=uow, clock=clock)
            report.expired.append(request.id or 0)
        elif step is None or step.started_at is None:
            continue
        elif allows(STEP, step.status, StepEvent.ESCALATE) and now >= step.started_at + _hours(
            config.defaults.escalate_hours
        ):
            _escalate(request, step, uow=uow, config=config, clock=clock)
            report.escalated.append(request.id or 0)
        elif step.reminded_at is None and now >= step.started_at + _hours(
            config.defaults.reminder_hours
        ):
            # Touching the request makes its version check refuse this pass if a decision
            # was committed meanwhile (the pass is then run again on fresh data).
            step.reminded_at = request.updated_at = now
            for approver in step.approvers:
                due[approver].append((request.id or 0, step.id or 0))
            tell_requester(uow, clock, request, "reminded", step=step)
            report.reminded.append(request.id or 0)
    for approver, items in due.items():
        remind = jobs.ApproversRemind(approver=approver, items=tuple(items))
        jobs.enqueue(uow, clock, remind, f"{approver}:{now.isoformat()}")
    for app in config.apps:
        report.promoted += promote_waitlist(app.key, uow=uow, config=config, clock=clock)
    return report


def _expire(request: Request, *, uow: UnitOfWork, clock: Clock) -> None:
    request.status = next_state(REQUEST, request.status, RequestEvent.EXPIRE)
    request.updated_at = request.closed_at = clock.now()
    record(uow, clock, SYSTEM, "request.expired", subject(request))
    close_open_steps(request, uow, clock, note="Expired without a decision")
    tell_requester(uow, clock, request, "expired")


def _escalate(
    request: Request, step: ApprovalStep, *, uow: UnitOfWork, config: Config, clock: Clock
) -> None:
    step.status = next_state(STEP, step.status, StepEvent.ESCALATE)
    step.escalated_at = request.updated_at = clock.now()
    step.reminded_at = step.reminded_at or step.escalated_at  # escalating is the nudge
    admins = [a for a in config.admins if a != request.requester]
    step.approvers = list(dict.fromkeys([*step.approvers, *admins]))
    record(
        uow,
        clock,
        SYSTEM,
        "step.escalated",
        subject(request),
        step=step.position,
        approvers=step.approvers,
    )
    ask_approvers(uow, clock, request, step)
    tell_requester(uow, clock, request, "escalated", step=step)


def _hours(hours: int) -> dt.timedelta:
    return dt.timedelta(hours=hours)
