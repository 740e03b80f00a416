"""Seats for approved requests: allocation against the contract, the waitlist, fulfilment."""

from __future__ import annotations

from workflows import jobs
from workflows.audit import SYSTEM, record
from workflows.broker import ask_idlest
from workflows.catalog import AppConfig, Config
from workflows.commands import HandProvisioningToIt, RecordProvisioned
from workflows.errors import NotFound
from workflows.model import Request, RequestStatus, Seat, Task
from workflows.notify import subject, tell_it, tell_requester
from workflows.ports import Clock, UnitOfWork
from workflows.states import REQUEST, RequestEvent, allows, next_state

RESERVING = (RequestStatus.PROVISIONING, RequestStatus.MANUAL_TASK)
MANUAL_CONNECTORS = ("manual", "csv")


def counted_tiers(app: AppConfig) -> list[str] | None:
    """The tiers whose seats use the contract's seats: the paid ones (None: every tier, when
    none is paid). A free seat, such as a viewer, costs nothing and takes no contract seat."""
    paid = [tier.key for tier in app.tiers if tier.monthly_price > 0]
    return paid or None


def seats_left(
    app_key: str, *, uow: UnitOfWork, config: Config, tier_key: str | None = None
) -> int | None:
    """Free contract seats (held and being set up both count); None = no limit, or a free
    `tier_key` that takes none."""
    app = config.app(app_key)
    if app is None or app.contract.seats is None:
        return None
    counted = counted_tiers(app)
    if tier_key is not None and counted is not None and tier_key not in counted:
        return None
    used = uow.seats.count_active(app_key, counted) + uow.requests.count_with_status(
        app_key, *RESERVING, tiers=counted
    )
    return max(app.contract.seats - used, 0)


def allocate(request: Request, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    """Give an approved request a seat, or put it on the waitlist when none is free."""
    # The app's lock is held to the commit, so deciders of one app queue for everything after
    # it: the requester's own seats are read before it (they need no lock).
    needs_seat = _takes_seat(request, uow, config)
    uow.apps.lock(request.app_key)
    if needs_seat and _earlier_waiting(request, uow):
        # First come, first served: join the queue, and a free seat goes to its head now.
        _waitlist(request, uow=uow, config=config, clock=clock)
        promote_waitlist(request.app_key, uow=uow, config=config, clock=clock)
        return
    if needs_seat and seats_left(request.app_key, uow=uow, config=config) == 0:
        _waitlist(request, uow=uow, config=config, clock=clock)
        return
    request.status = next_state(REQUEST, request.status, RequestEvent.ALLOCATE)
    request.updated_at = clock.now()
    app = config.app(request.app_key)
    if app is None or app.connector.type in MANUAL_CONNECTORS:
        hand_to_it(
            request,
            f"{app.name if app else request.app_key} is set up by hand",
            uow=uow,
            config=config,
            clock=clock,
        )
        return
    tell_requester(uow, clock, request, "provisioning")
    jobs.enqueue(uow, clock, jobs.Provision(request_id=request.id), f"{request.id}")


def promote_waitlist(app_key: str, *, uow: UnitOfWork, config: Config, clock: Clock) -> int:
    """Hand free seats to the earliest waitlisted requests; return how many moved on."""
    uow.apps.lock(app_key)
    waiting = uow.requests.with_status(RequestStatus.WAITLISTED, app_key=app_key)
    moved = 0
    for request in sorted(waiting, key=_queue_place):
        if seats_left(app_key, uow=uow, config=config) == 0:
            break
        allocate(request, uow=uow, config=config, clock=clock)
        moved += 1
    return moved


def fulfil(request: Request, email: str, actor: str, *, uow: UnitOfWork, clock: Clock) -> Seat:
    """Record the seat as live and tell the requester."""
    now = clock.now()
    request.status = next_state(REQUEST, request.status, RequestEvent.FULFIL)
    request.updated_at = request.closed_at = now
    seat = uow.seats.active_for(email, request.app_key)
    if seat is None:
        seat = Seat(
            app_key=request.app_key,
            tier_key=request.tier_key,
            email=email,
            slack_user_id=request.requester,
            assigned_on=now.date(),
            request_id=request.id,
            recorded_at=now,
            end_date=request.end_date,
        )
        uow.seats.add(seat)
        action = "seat.assigned"
    else:
        seat.tier_key, seat.request_id = request.tier_key, request.id
        seat.end_date = request.end_date  # a new end date (or none) extends the seat
        action = "seat.tier_changed"
    record(
        uow,
        clock,
        actor,
        action,
        f"seat:{request.app_key}:{email}",
        tier=request.tier_key,
        request=request.id,
    )
    tell_requester(uow, clock, request, "fulfilled")
    return seat


def requester_email(request: Request, uow: UnitOfWork) -> str:
    """The requester's email from the directory (stored when they first asked)."""
    person = uow.people.by_slack_id(request.requester)
    if person is None:
        raise NotFound(f"<@{request.requester}> is not in the directory; import people first.")
    return person.email


def provisioned(cmd: RecordProvisioned, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    """The vendor confirmed the seat; close the request."""
    request = uow.requests.get(cmd.request_id, for_update=True)
    # Only while the vendor's answer is awaited: a request handed to IT is IT's to fulfil.
    if request is None or request.status != RequestStatus.PROVISIONING:
        return
    fulfil(request, requester_email(request, uow), SYSTEM, uow=uow, clock=clock)


def provisioning_failed(
    cmd: HandProvisioningToIt, *, uow: UnitOfWork, config: Config, clock: Clock
) -> None:
    """The vendor call failed for good: IT finishes the job by hand (`detail`: what it said)."""
    request = uow.requests.get(cmd.request_id, for_update=True)
    if request is None or not allows(REQUEST, request.status, RequestEvent.HAND_TO_IT):
        return
    hand_to_it(request, cmd.why, uow=uow, config=config, clock=clock, detail=cmd.detail)


def hand_to_it(
    request: Request,
    why: str,
    *,
    uow: UnitOfWork,
    config: Config,
    clock: Clock,
    detail: str | None = None,
) -> Task:
    """Turn a provisioning request into an IT task with a Done button."""
    app = config.app(request.app_key)
    tier = app.tier(request.tier_key) if app else None
    what = f"{app.name} {tier.name}" if app and tier else f"{request.app_key} {request.tier_key}"
    request.status = next_state(REQUEST, request.status, RequestEvent.HAND_TO_IT)
    task = Task(
        kind="provision",
        summary=f"Give <@{request.requester}> a {what} seat",
        why=why,
        detail=detail,
        created_at=clock.now(),
        request_id=request.id,
    )
    uow.tasks.add(task)
    uow.flush()
    said = {"detail": detail} if detail else {}
    record(uow, clock, SYSTEM, "task.opened", subject(request), task=task.id, why=why, **said)
    jobs.enqueue(uow, clock, jobs.ITTask(task_id=task.id), f"{task.id}")
    tell_requester(uow, clock, request, "manual_task")
    return task


def _earlier_waiting(request: Request, uow: UnitOfWork) -> bool:
    """Someone approved before this request is still waiting for a seat of the same app."""
    mine = _queue_place(request)
    return any(
        _queue_place(other) < mine
        for other in uow.requests.with_status(RequestStatus.WAITLISTED, app_key=request.app_key)
        if other.id != request.id
    )


def _queue_place(request: Request) -> tuple[object, int]:
    return (request.approved_at or request.created_at, request.id or 0)


def _takes_seat(request: Request, uow: UnitOfWork, config: Config) -> bool:
    """True when granting the request uses a contract seat: a counted tier, unless the
    requester already holds a counted seat on the app (a tier change takes none)."""
    app = config.app(request.app_key)
    counted = counted_tiers(app) if app else None
    if counted is not None and request.tier_key not in counted:
        return False
    person = uow.people.by_slack_id(request.requester)
    held = uow.seats.active_for(person.email, request.app_key) if person else None
    return held is None or (counted is not None and held.tier_key not in counted)


def _waitlist(request: Request, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    if request.status == RequestStatus.WAITLISTED:
        return
    request.status = next_state(REQUEST, request.status, RequestEvent.WAITLIST)
    request.updated_at = clock.now()
    position = len(uow.requests.with_status(RequestStatus.WAITLISTED, app_key=request.app_key))
    record(uow, clock, SYSTEM, "request.waitlisted", subject(request), position=position)
    tell_requester(uow, clock, request, "waitlisted", position=position)
    tell_it(uow, clock, f"waitlist:{request.id}", "waitlisted", request_id=request.id)
    ask_idlest(request.app_key, uow=uow, config=config, clock=clock)
