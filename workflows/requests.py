"""Journey 1: request → approval chain → seat.

Every verb changes state, appends audit events and queues the side effects (messages,
vendor calls) in the caller's unit of work; nothing here talks to Slack or a vendor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflows import jobs
from workflows.audit import record
from workflows.catalog import Config
from workflows.commands import CancelRequest, Decide, SubmitRequest
from workflows.errors import NotFound, Refused
from workflows.model import (
    DECIDABLE_STEP_STATUSES,
    ApprovalStep,
    Request,
    RequestStatus,
    StepStatus,
)
from workflows.notify import ask_approvers, subject, tell_it, tell_requester
from workflows.ports import Clock, UnitOfWork
from workflows.seats import allocate
from workflows.states import REQUEST, STEP, RequestEvent, StepEvent, allows, next_state

EARLIEST_OFFSET = dt.timedelta(hours=12)


@dataclass(frozen=True)
class RequestSubmitted:
    request_id: int


@dataclass(frozen=True)
class StepDecided:
    request_id: int
    status: RequestStatus
    repeated: bool = False


@dataclass(frozen=True)
class RequestCancelled:
    request_id: int


def submit_request(
    cmd: SubmitRequest, *, uow: UnitOfWork, config: Config, clock: Clock
) -> RequestSubmitted:
    """Store a new request and start its approval chain."""
    app = config.app(cmd.app_key)
    tier = app.tier(cmd.tier_key) if app else None
    if app is None or tier is None:
        raise Refused("That app or tier is not in the catalog any more.", field="app_tier")
    now = clock.now()
    # The date picker gives the requester's own date; the earliest timezone (UTC-12) is the
    # last place where "today" can still be this date.
    if cmd.end_date is not None and cmd.end_date <= (now - EARLIEST_OFFSET).date():
        raise Refused("The end date must be in the future.", field="end_date")
    if _holds(cmd.requester, app.key, tier.key, uow):
        raise Refused(f"You already have a {app.name} {tier.name} seat.", field="app_tier")
    existing = uow.requests.open_for(cmd.requester, app.key, tier.key)
    if existing is not None:
        raise Refused(
            f"You already have an open request for {app.name} {tier.name} (#{existing.id}).",
            field="app_tier",
        )
    chain = config.chain(app, tier)
    request = Request(
        requester=cmd.requester,
        app_key=app.key,
        tier_key=tier.key,
        reason=cmd.reason,
        end_date=cmd.end_date,
        created_at=now,
        updated_at=now,
        expires_at=now + dt.timedelta(days=config.defaults.expire_days),
        steps=[ApprovalStep(position=i, rule=rule) for i, rule in enumerate(chain)],
    )
    uow.requests.add(request)
    uow.flush()
    record(
        uow,
        clock,
        cmd.actor or cmd.requester,
        "request.submitted",
        subject(request),
        app=app.key,
        tier=tier.key,
        chain=chain,
    )
    tell_requester(uow, clock, request, "submitted")
    advance(request, uow=uow, config=config, clock=clock)
    return RequestSubmitted(request.id or 0)


def decide(cmd: Decide, *, uow: UnitOfWork, config: Config, clock: Clock) -> StepDecided:
    """Approve or deny one step; the last approval allocates the seat."""
    request, step = _load_step(uow, cmd.request_id, cmd.step_id)
    outcome = StepStatus.APPROVED if cmd.approve else StepStatus.DENIED
    if step.status == outcome and step.decided_by == cmd.actor:
        return StepDecided(request.id or 0, request.status, repeated=True)
    check_can_decide(request, step, cmd.actor, config)
    reason = (cmd.reason or "").strip() or None
    if not cmd.approve and reason is None:
        raise Refused("Please give a reason for denying.", field="deny_reason")
    now = clock.now()
    event = StepEvent.APPROVE if cmd.approve else StepEvent.DENY
    step.status = next_state(STEP, step.status, event)
    step.decided_by, step.decided_at, step.reason = cmd.actor, now, reason
    request.updated_at = now
    record(
        uow,
        clock,
        cmd.actor,
        f"step.{outcome.value}",
        subject(request),
        step=step.position,
        rule=step.rule,
        reason=reason,
    )
    close = jobs.ApproversClose(request_id=request.id, step_id=step.id)
    jobs.enqueue(uow, clock, close, f"{step.id}")
    if cmd.approve:
        update = tell_requester(uow, clock, request, "step_approved", step=step, actor=cmd.actor)
        advance(request, uow=uow, config=config, clock=clock)
        if update is not None:
            # Said as things stand now, however late the message goes out.
            following = request.current_step()
            waiting_on = tuple(following.approvers) if following else ()
            said = jobs.read(update, jobs.RequesterUpdate)
            jobs.rewrite(update, said.model_copy(update={"waiting_on": waiting_on}))
    else:
        request.status = next_state(REQUEST, request.status, RequestEvent.DENY)
        _close(request, now)
        record(uow, clock, cmd.actor, "request.denied", subject(request), reason=reason)
        tell_requester(uow, clock, request, "denied", actor=cmd.actor, reason=reason)
    return StepDecided(request.id or 0, request.status)


def _holds(requester: str, app_key: str, tier_key: str, uow: UnitOfWork) -> bool:
    """True when the requester holds this tier for good (one with an end date can be extended)."""
    person = uow.people.by_slack_id(requester)
    seat = uow.seats.active_for(person.email, app_key) if person else None
    return seat is not None and seat.tier_key == tier_key and seat.end_date is None


def check_can_decide(request: Request, step: ApprovalStep, actor: str, config: Config) -> None:
    """Refuse unless `actor` may decide this step now."""
    if actor == request.requester:
        raise Refused("You can't approve or deny your own request.")
    if not awaits_decision(request, step):
        raise Refused(_already(request, step))
    if actor not in step.approvers and actor not in config.admins:
        who = ", ".join(f"<@{a}>" for a in step.approvers) or "the admins"
        raise Refused(f"This approval is waiting for {who}, not you.")


def awaits_decision(request: Request, step: ApprovalStep) -> bool:
    """True while `step` can still be approved or denied (a denial also denies the request)."""
    decidable = allows(STEP, step.status, StepEvent.DENY)
    return decidable and allows(REQUEST, request.status, RequestEvent.DENY)


def cancel_request(
    cmd: CancelRequest, *, uow: UnitOfWork, config: Config, clock: Clock
) -> RequestCancelled:
    """The requester withdraws a request that is still pending or waitlisted."""
    request = uow.requests.get(cmd.request_id, for_update=True)
    if request is None:
        raise NotFound("That request does not exist.")
    if cmd.actor != request.requester:
        raise Refused("Only the person who asked can cancel this request.")
    if request.status == RequestStatus.CANCELLED:
        return RequestCancelled(request.id or 0)
    if not allows(REQUEST, request.status, RequestEvent.CANCEL):
        raise Refused(
            f"Request #{request.id} is {_status_words(request)}; it can't be cancelled now."
        )
    note = "Cancelled by the requester"
    cancel(request, cmd.actor, uow=uow, clock=clock, note=note, told={"actor": cmd.actor})
    return RequestCancelled(request.id or 0)


def cancel(
    request: Request,
    by: str,
    *,
    uow: UnitOfWork,
    clock: Clock,
    note: str,
    said: Mapping[str, Any] | None = None,
    told: Mapping[str, Any] | None = None,
) -> None:
    """Cancel a request that may be cancelled: upcoming steps skipped, open ones closed with
    `note` on the approvers' messages, the audit event (by `by`) with `said`, the requester told
    (`told`: what their message says beyond that)."""
    request.status = next_state(REQUEST, request.status, RequestEvent.CANCEL)
    _close(request, clock.now())
    record(uow, clock, by, "request.cancelled", subject(request), **(said or {}))
    close_open_steps(request, uow, clock, note=note)
    tell_requester(uow, clock, request, "cancelled", **(told or {}))


def advance(request: Request, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    """Start the next step of the chain, or approve the request when none is left."""
    approved_by = {s.decided_by for s in request.steps if s.status == StepStatus.APPROVED}
    for step in request.steps:
        if step.status in DECIDABLE_STEP_STATUSES:
            return
        if not allows(STEP, step.status, StepEvent.START):
            continue
        approvers = resolve_approvers(step.rule, request, uow=uow, config=config)
        if approved_by & set(approvers):
            step.status = next_state(STEP, step.status, StepEvent.SKIP)
            step.approvers, step.reason = approvers, "already approved earlier in the chain"
            continue
        step.status = next_state(STEP, step.status, StepEvent.START)
        step.approvers, step.started_at = approvers, clock.now()
        ask_approvers(uow, clock, request, step)
        if not approvers:
            tell_it(uow, clock, f"noapprover:{step.id}", "no_approver", request_id=request.id)
        return
    request.status = next_state(REQUEST, request.status, RequestEvent.APPROVE)
    request.approved_at = request.updated_at = clock.now()
    record(uow, clock, "seatkeeper", "request.approved", subject(request))
    allocate(request, uow=uow, config=config, clock=clock)


def resolve_approvers(rule: str, request: Request, *, uow: UnitOfWork, config: Config) -> list[str]:
    """Slack ids who decide a step; the requester never, the admins when nobody else is left."""
    found: list[str] = []
    if rule == "manager":
        found = _manager_of(request.requester, uow)
    elif rule == "owner":
        app = config.app(request.app_key)
        found = [app.owner] if app and app.owner else []
    elif rule == "admins":
        found = list(config.admins)
    else:
        found = [rule]
    found = [
        who for who in dict.fromkeys(found) if who != request.requester and not _has_left(who, uow)
    ]
    return found or [a for a in config.admins if a != request.requester]


def _has_left(slack_user_id: str, uow: UnitOfWork) -> bool:
    person = uow.people.by_slack_id(slack_user_id)
    return person is not None and not person.active


def _manager_of(slack_user_id: str, uow: UnitOfWork) -> list[str]:
    person = uow.people.by_slack_id(slack_user_id)
    if person is None or not person.manager_email:
        return []
    manager = uow.people.by_email(person.manager_email)
    if manager is None or not manager.active or not manager.slack_user_id:
        return []
    return [manager.slack_user_id]


def _load_step(uow: UnitOfWork, request_id: int, step_id: int) -> tuple[Request, ApprovalStep]:
    request = uow.requests.get(request_id, for_update=True)
    step = next((s for s in request.steps if s.id == step_id), None) if request else None
    if request is None or step is None:
        raise NotFound("That request does not exist any more.")
    return request, step


def close_open_steps(request: Request, uow: UnitOfWork, clock: Clock, *, note: str) -> None:
    for step in request.steps:
        if step.status in DECIDABLE_STEP_STATUSES:
            close = jobs.ApproversClose(request_id=request.id, step_id=step.id, note=note)
            jobs.enqueue(uow, clock, close, f"{step.id}")
        if allows(STEP, step.status, StepEvent.SKIP):
            step.status = next_state(STEP, step.status, StepEvent.SKIP)


def _close(request: Request, now: dt.datetime) -> None:
    request.updated_at = request.closed_at = now
    for step in request.steps:
        if step.status == StepStatus.UPCOMING:
            step.status = next_state(STEP, step.status, StepEvent.SKIP)


def _already(request: Request, step: ApprovalStep) -> str:
    if step.status in (StepStatus.APPROVED, StepStatus.DENIED):
        return f"Request #{request.id} was already {step.status.value} by <@{step.decided_by}>."
    return f"Request #{request.id} is {_status_words(request)}; there is nothing to decide."


def _status_words(request: Request) -> str:
    return request.status.value.replace("_", " ")
