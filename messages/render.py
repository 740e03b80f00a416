"""Entry points that render Seatkeeper's Slack messages, modals and Home tab as Block Kit.

Each message is `{"text": fallback, "blocks": [...]}`; each view is a modal or home view.
The wording lives in `templates/`; this module picks a template and shapes the data for it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, NoReturn, TypeVar

from jinja2 import Environment, PackageLoader, StrictUndefined

from messages import ids
from messages.filters import FILTERS
from messages.ids import (
    AppRef,
    CaseRef,
    RequestRef,
    SeatRef,
    StepRef,
    TaskRef,
    WaveCaseRef,
    WaveRef,
)
from messages.views import (
    Decision,
    HomeView,
    RequestCard,
    SyncSummary,
    TaskCard,
    TierOption,
)
from workflows.text import MAX_REASON

Payload = dict[str, Any]
T = TypeVar("T")

MAX_SELECT_OPTIONS = 100
REMINDER_ITEMS = 20
SYNC_APPS = 20
SYNC_EXAMPLES = 10
# Caps per Home section; with headers, dividers and "…and N more" lines the tab stays
# under Slack's 100 blocks: 2 + (1 + 2*10 + 1) + 1 + (1 + 25 + 1) + 1 + (1 + 20 + 1) + 1 + 12.
HOME_APPROVALS = 10
HOME_APPS = 25
HOME_TIERS_PER_APP = 10
HOME_REQUESTS = 20
HOME_SEATS = 10

UPDATE_EVENTS = frozenset(
    (
        "step_approved",
        "denied",
        "escalated",
        "reminded",
        "expired",
        "cancelled",
        "waitlisted",
        "provisioning",
        "manual_task",
        "fulfilled",
        "approved",
    )
)
_EVENTS_WITH_ACTOR = frozenset({"step_approved", "denied"})


@dataclass(frozen=True)
class _App:
    key: str
    name: str
    tiers: list[TierOption]
    more: int = 0


def _fail(message: str) -> NoReturn:
    raise ValueError(message)


def _request_ref(request_id: int) -> str:
    return RequestRef(request_id=request_id).dumps()


def _step_ref(request_id: int, step_id: int) -> str:
    return StepRef(request_id=request_id, step_id=step_id).dumps()


def _task_ref(task_id: int) -> str:
    return TaskRef(task_id=task_id).dumps()


def _case_ref(case_id: int) -> str:
    return CaseRef(case_id=case_id).dumps()


def _seat_ref(seat_id: int) -> str:
    return SeatRef(seat_id=seat_id).dumps()


def _wave_ref(wave_id: int) -> str:
    return WaveRef(wave_id=wave_id).dumps()


def _wave_case_ref(wave_id: int, case_id: int) -> str:
    return WaveCaseRef(wave_id=wave_id, case_id=case_id).dumps()


def _app_ref(app_key: str) -> str:
    return AppRef(app_key=app_key).dumps()


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("messages", "templates"),
        undefined=StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.globals.update(
        ids=ids,
        fail=_fail,
        request_ref=_request_ref,
        step_ref=_step_ref,
        task_ref=_task_ref,
        case_ref=_case_ref,
        seat_ref=_seat_ref,
        wave_ref=_wave_ref,
        wave_case_ref=_wave_case_ref,
        app_ref=_app_ref,
        max_reason=MAX_REASON,
    )
    return env


def render_template(template: str, **context: object) -> Payload:
    """Render a template of `templates/` with `context` into its JSON payload."""
    rendered = _environment().get_template(template).render(**context)
    payload: Payload = json.loads(rendered)
    return payload


def cap(items: Sequence[T], limit: int) -> tuple[list[T], int]:
    """The first `limit` items, and how many more there are."""
    return list(items[:limit]), max(0, len(items) - limit)


def _group(options: Sequence[TierOption], tiers_per_app: int = MAX_SELECT_OPTIONS) -> list[_App]:
    by_app: dict[str, list[TierOption]] = {}
    for option in options:
        by_app.setdefault(option.app_key, []).append(option)
    apps = []
    for key, tiers in by_app.items():
        shown, more = cap(tiers, tiers_per_app)
        apps.append(_App(key=key, name=tiers[0].app_name, tiers=shown, more=more))
    return apps


def request_modal(
    options: list[TierOption], *, app_key: str | None = None, tier_key: str | None = None
) -> Payload:
    """The request form: app and tier, reason, optional end date (one app's tiers if given,
    with `tier_key` chosen)."""
    chosen = [option for option in options if option.app_key == app_key]
    pool = chosen or options
    shown, dropped = cap(pool, MAX_SELECT_OPTIONS)
    initial = next((o for o in chosen if o.tier_key == tier_key), chosen[0] if chosen else None)
    return render_template(
        "request_modal.j2",
        groups=_group(shown),
        initial=initial,
        shown=len(shown),
        dropped=dropped,
        unknown_app=app_key if app_key and not chosen else None,
    )


def deny_modal(card: RequestCard, step: StepRef) -> Payload:
    """The form an approver fills in to deny a request, with a required reason."""
    return render_template("deny_modal.j2", card=card, metadata=step.dumps())


def requester_root(card: RequestCard) -> Payload:
    """The requester's DM that starts the request thread, with Cancel while it can be."""
    return render_template("requester_root.j2", card=card)


def requester_update(
    card: RequestCard,
    event: str,
    *,
    actor: str | None = None,
    reason: str | None = None,
    position: int | None = None,
    waiting_on: Sequence[str] | None = None,
) -> Payload:
    """A reply in the requester's thread telling them what just happened.

    `waiting_on`: who the request waited for when it happened (else who it waits for now).
    """
    if event not in UPDATE_EVENTS:
        raise ValueError(f"unknown requester update {event!r}; known: {sorted(UPDATE_EVENTS)}")
    if event in _EVENTS_WITH_ACTOR and not actor:
        raise ValueError(f"the {event!r} update needs the actor who decided")
    return render_template(
        "requester_update.j2",
        card=card,
        event=event,
        actor=actor,
        reason=reason,
        position=position,
        waiting_on=card.waiting_on if waiting_on is None else tuple(waiting_on),
    )


def approval_request(card: RequestCard, step_id: int) -> Payload:
    """The approver's message: who, what, cost, reason, seats left, Approve and Deny."""
    return render_template("approval_request.j2", card=card, step_id=step_id)


def approval_closed(
    card: RequestCard, *, decision: Decision | None = None, note: str | None = None
) -> Payload:
    """The approver's message once decided or closed: the same summary, no buttons."""
    if decision is None and not note:
        raise ValueError("a closed approval needs a decision or a note")
    return render_template("approval_closed.j2", card=card, decision=decision, note=note)


def approval_reminder(card: RequestCard, approver: str | None = None) -> Payload:
    """A nudge to an approver who has not decided yet (mentioned when in a shared channel)."""
    return render_template("approval_reminder.j2", card=card, approver=approver)


def approval_reminders(cards: list[RequestCard]) -> Payload:
    """One nudge listing every request waiting for the same approver."""
    shown, more = cap(cards, REMINDER_ITEMS)
    return render_template("approval_reminders.j2", cards=cards, shown=shown, more=more)


def it_task(task: TaskCard) -> Payload:
    """An IT-channel task with a Done button."""
    return render_template("it_task.j2", task=task, done=False)


def it_task_done(task: TaskCard) -> Payload:
    """An IT-channel task once someone has done it."""
    if task.done_by is None or task.done_at is None:
        raise ValueError(f"task {task.id} is not done: it needs done_by and done_at")
    return render_template("it_task.j2", task=task, done=True)


def sync_summary(summary: SyncSummary) -> Payload:
    """The IT channel's note of what a seat sync changed (or could not read)."""
    shown, more = cap(summary.apps, SYNC_APPS)
    return render_template(
        "sync_summary.j2",
        apps=summary.apps,
        shown=shown,
        more=more,
        joined=summary.joined,
        left=list(summary.left[:SYNC_EXAMPLES]),
        left_count=len(summary.left),
        directory_error=summary.directory_error,
    )


def it_notice(text: str, *, detail: str | None = None) -> Payload:
    """A notice for the IT channel: our mrkdwn `text`, then outside `detail` as inert text."""
    return render_template("it_notice.j2", notice=text, detail=detail)


def it_waitlist(
    card: RequestCard, seats: int | None, *, waiting: int = 1, asked: int = 0
) -> Payload:
    """Tells IT that a request is waiting for a free seat: how many wait for the app, and how
    many idle holders are being asked to free one."""
    return render_template("it_waitlist.j2", card=card, seats=seats, waiting=waiting, asked=asked)


def home(view: HomeView) -> Payload:
    """The App Home tab: approvals waiting, catalog, own requests and own seats."""
    approvals, approvals_more = cap(view.approvals, HOME_APPROVALS)
    apps, apps_more = cap(_group(view.catalog, HOME_TIERS_PER_APP), HOME_APPS)
    requests, requests_more = cap(view.requests, HOME_REQUESTS)
    seats, seats_more = cap(view.seats, HOME_SEATS)
    return render_template(
        "home.j2",
        user=view.user,
        approvals=approvals,
        approvals_more=approvals_more + view.approvals_more,
        apps=apps,
        apps_more=apps_more,
        requests=requests,
        requests_more=requests_more + view.requests_more,
        seats=seats,
        seats_more=seats_more,
    )


def request_prompt(app_key: str | None, app_name: str | None) -> Payload:
    """A DM's answer to "request <app>": a button that opens the request form (a message
    cannot open a form by itself)."""
    return render_template("request_prompt.j2", app_key=app_key or "", app_name=app_name)


def help_message() -> Payload:
    """What Seatkeeper does and how to use `/license`."""
    return render_template("help.j2")


def error_message(text: str) -> Payload:
    """A short problem report, meant to be sent as an ephemeral message."""
    return render_template("error.j2", problem=text)
