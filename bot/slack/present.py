"""Turn domain objects into the view models `messages` renders (what people see)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Literal

from bot.slack.reclaim_views import seat_line
from messages import render
from messages.views import Decision, HomeView, RequestCard, TaskCard, TierOption
from workflows.catalog import Config
from workflows.model import ApprovalStep, Request, StepStatus, Task
from workflows.ports import UnitOfWork
from workflows.seats import seats_left
from workflows.states import REQUEST, RequestEvent, allows


def tier_options(config: Config) -> list[TierOption]:
    """Every requestable app and tier, in catalog order."""
    return [
        TierOption(app.key, app.name, tier.key, tier.name, tier.monthly_price, config.currency)
        for app in config.apps
        for tier in app.tiers
    ]


def request_card(
    request: Request, uow: UnitOfWork, config: Config, *, left: dict[str, int | None] | None = None
) -> RequestCard:
    """The summary of a request shown to requesters, approvers and IT.

    `left` keeps each app's free seats once counted, for a list of cards read together."""
    app = config.app(request.app_key)
    tier = app.tier(request.tier_key) if app else None
    step = request.current_step()
    if left is None:
        left = {}
    if request.app_key not in left:
        left[request.app_key] = seats_left(request.app_key, uow=uow, config=config)
    return RequestCard(
        id=request.id or 0,
        app_name=app.name if app else request.app_key,
        tier_name=tier.name if tier else request.tier_key,
        monthly_price=tier.monthly_price if tier else Decimal(0),
        currency=config.currency,
        requester=request.requester,
        reason=request.reason,
        end_date=request.end_date,
        status=request.status.value,
        waiting_on=tuple(step.approvers) if step else (),
        seats_left=left[request.app_key],
        created_at=request.created_at,
        can_cancel=allows(REQUEST, request.status, RequestEvent.CANCEL),
    )


def decision(step: ApprovalStep) -> Decision | None:
    """The decision taken on a step, if it was approved or denied."""
    if step.status not in (StepStatus.APPROVED, StepStatus.DENIED) or not step.decided_by:
        return None
    assert step.decided_at is not None
    outcome: Literal["approved", "denied"] = (
        "approved" if step.status == StepStatus.APPROVED else "denied"
    )
    return Decision(outcome, step.decided_by, step.decided_at, step.reason)


def task_card(task: Task, uow: UnitOfWork, config: Config) -> TaskCard:
    """An IT task as the IT channel sees it."""
    request = uow.requests.get(task.request_id) if task.request_id else None
    card = request_card(request, uow, config) if request else None
    return TaskCard(
        task.id or 0, card, task.summary, task.why, task.done_by, task.done_at, task.detail
    )


def home_view(user: str, uow: UnitOfWork, config: Config) -> HomeView:
    """Everything the App Home shows one person: the first few approvals and requests (as
    many as the tab shows), each list with a count of the rest."""
    person = uow.people.by_slack_id(user)
    seats = uow.seats.held_by(person.email) if person else []
    left: dict[str, int | None] = {}  # free seats per app, counted once for every card
    approvals = []
    for request in uow.requests.waiting_on(user, limit=render.HOME_APPROVALS):
        step = request.current_step()
        if step is not None:
            approvals.append((request_card(request, uow, config, left=left), step.id or 0))
    mine = uow.requests.for_requester(user, limit=render.HOME_REQUESTS)
    return HomeView(
        user=user,
        catalog=tier_options(config),
        requests=[request_card(r, uow, config, left=left) for r in mine],
        seats=[seat_line(seat, config) for seat in seats],
        approvals=approvals,
        requests_more=_rest(
            uow.requests.count_for_requester, user, len(mine), render.HOME_REQUESTS
        ),
        approvals_more=_rest(
            uow.requests.count_waiting_on, user, len(approvals), render.HOME_APPROVALS
        ),
    )


def _rest(count: Callable[[str], int], user: str, shown: int, limit: int) -> int:
    """How many there are beyond the `shown` first; counted only when the list is full."""
    return max(count(user) - shown, 0) if shown >= limit else 0
