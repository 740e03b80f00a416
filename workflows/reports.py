"""Reports: seats, spend, renewals, requests, reclaims and the audit trail, as rows.

The same rows feed `seatkeeper report` (table, CSV, JSON) and the read-only REST API, so the
two always agree with each other and with the digest's figures. Values are plain: text,
whole numbers, `Decimal` amounts (in the configured currency), dates and times.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from workflows.catalog import Config
from workflows.digest import current_figures
from workflows.figures import AppFigures
from workflows.model import CaseStatus, Person, RequestStatus
from workflows.ports import UnitOfWork

Row = dict[str, Any]
KINDS = ("seats", "spend", "renewals", "requests", "reclaims", "audit")
# The filters (fields of `Filters`) each report reads. Callers refuse any other rather than
# ignore it, so a narrowed question never gets an unnarrowed answer.
FILTERS: dict[str, tuple[str, ...]] = {
    "seats": ("app", "person", "idle_days", "since"),
    "spend": ("app",),
    "renewals": ("app", "since"),
    "requests": ("app", "person", "since"),
    "reclaims": ("app", "person", "since"),
    "audit": ("app", "person", "since"),
}


@dataclass(frozen=True)
class Filters:
    """What a report is narrowed to; None: no narrowing."""

    app: str | None = None
    person: str | None = None  # an email or a Slack user id
    idle_days: int | None = None  # seats unused for at least this many days
    since: dt.date | None = None  # seats assigned, requests made, cases opened, events on or after


@dataclass(frozen=True)
class Report:
    """A report's columns (in order) and rows; `money` names the amount columns."""

    kind: str
    columns: tuple[str, ...]
    rows: list[Row] = field(default_factory=list)
    money: tuple[str, ...] = ()


def report(
    kind: str, filters: Filters, *, uow: UnitOfWork, config: Config, now: dt.datetime
) -> Report:
    """The report `kind` (one of KINDS) narrowed by `filters`."""
    builders: dict[str, Callable[[Filters, UnitOfWork, Config, dt.datetime], Report]] = {
        "seats": _seats,
        "spend": _spend,
        "renewals": _renewals,
        "requests": _requests,
        "reclaims": _reclaims,
        "audit": _audit,
    }
    if kind not in builders:
        raise ValueError(f"unknown report {kind!r}; one of {', '.join(KINDS)}")
    return builders[kind](filters, uow, config, now)


SEAT_COLUMNS = (
    "app", "tier", "email", "slack_user_id", "status", "assigned_on", "last_active_on",
    "activity_source", "days_idle", "idle", "monthly_price", "end_date", "paid_until",
)  # fmt: skip


def _seats(filters: Filters, uow: UnitOfWork, config: Config, now: dt.datetime) -> Report:
    today = now.date()
    people = _people(uow)
    rows = []
    for seat in uow.seats.held():
        app = config.app(seat.app_key)
        if app is None or not _is_app(filters, seat.app_key):
            continue
        if not _is_person(filters, seat.email, seat.slack_user_id, people):
            continue
        days = (today - seat.last_active_on).days if seat.last_active_on else None
        if filters.idle_days is not None and (days is None or days < filters.idle_days):
            continue
        if filters.since and (seat.assigned_on is None or seat.assigned_on < filters.since):
            continue
        tier = app.tier(seat.tier_key)
        person = people.get(seat.email)
        rows.append(
            {
                "app": seat.app_key,
                "tier": seat.tier_key,
                "email": seat.email,
                "slack_user_id": (person.slack_user_id if person else None) or seat.slack_user_id,
                "status": seat.status.value,
                "assigned_on": seat.assigned_on,
                "last_active_on": seat.last_active_on,
                "activity_source": seat.activity_source,
                "days_idle": days,
                "idle": days is None or days > config.reclaim_policy(app).idle_days,
                "monthly_price": tier.monthly_price if tier else Decimal(0),
                "end_date": seat.end_date,
                "paid_until": seat.paid_until,
            }
        )
    return Report("seats", SEAT_COLUMNS, rows, ("monthly_price",))


SPEND_COLUMNS = (
    "app", "name", "paid", "assigned", "active", "idle", "unassigned", "waiting", "seat_price",
    "monthly_spend", "overspend",
)  # fmt: skip


def _spend(filters: Filters, uow: UnitOfWork, config: Config, now: dt.datetime) -> Report:
    rows = [
        _spend_row(f)
        for f in current_figures(uow, config, now.date())
        if _is_app(filters, f.app_key)
    ]
    return Report("spend", SPEND_COLUMNS, rows, ("seat_price", "monthly_spend", "overspend"))


def _spend_row(f: AppFigures) -> Row:
    return {
        "app": f.app_key,
        "name": f.app_name,
        "paid": f.paid,
        "assigned": f.assigned,
        "active": f.active,
        "idle": f.idle,
        "unassigned": f.unassigned,
        "waiting": f.waiting,
        "seat_price": f.seat_price,
        "monthly_spend": f.monthly_spend,
        "overspend": f.overspend,
    }


RENEWAL_COLUMNS = (
    "app", "name", "renews_on", "notice_deadline", "days_to_notice", "auto_renew", "paid",
    "assigned", "active", "waiting", "recommended", "yearly_saving",
)  # fmt: skip


def _renewals(filters: Filters, uow: UnitOfWork, config: Config, now: dt.datetime) -> Report:
    today = now.date()
    headroom = config.digest.headroom_percent
    rows = []
    for f in sorted(
        current_figures(uow, config, today), key=lambda f: (f.renews_on or dt.date.max, f.app_key)
    ):
        if f.renews_on is None or f.notice_deadline is None or not _is_app(filters, f.app_key):
            continue
        if f.renews_on < (filters.since or today):
            continue
        rows.append(
            {
                "app": f.app_key,
                "name": f.app_name,
                "renews_on": f.renews_on,
                "notice_deadline": f.notice_deadline,
                "days_to_notice": (f.notice_deadline - today).days,
                "auto_renew": f.auto_renew,
                "paid": f.paid,
                "assigned": f.assigned,
                "active": f.active,
                "waiting": f.waiting,
                "recommended": f.recommended(headroom),
                "yearly_saving": f.yearly_saving(headroom),
            }
        )
    return Report("renewals", RENEWAL_COLUMNS, rows, ("yearly_saving",))


REQUEST_COLUMNS = (
    "id", "requester", "app", "tier", "status", "created_at", "approved_at", "closed_at",
    "end_date", "waiting_on",
)  # fmt: skip


def _requests(filters: Filters, uow: UnitOfWork, config: Config, now: dt.datetime) -> Report:
    people = _people(uow)
    rows = []
    for request in uow.requests.with_status(*RequestStatus):
        if not _is_app(filters, request.app_key):
            continue
        requester = _person_by_slack(people, request.requester)
        email = requester.email if requester else None
        if not _is_person(filters, email, request.requester, people):
            continue
        if filters.since and request.created_at.date() < filters.since:
            continue
        step = request.current_step()
        rows.append(
            {
                "id": request.id,
                "requester": request.requester,
                "app": request.app_key,
                "tier": request.tier_key,
                "status": request.status.value,
                "created_at": request.created_at,
                "approved_at": request.approved_at,
                "closed_at": request.closed_at,
                "end_date": request.end_date,
                "waiting_on": " ".join(step.approvers) if step else "",
            }
        )
    return Report("requests", REQUEST_COLUMNS, rows)


RECLAIM_COLUMNS = (
    "id", "app", "tier", "email", "holder", "kind", "status", "opened_at", "deadline",
    "answered_by", "action", "to_tier", "monthly_saving", "completed_at", "note",
)  # fmt: skip


def _reclaims(filters: Filters, uow: UnitOfWork, config: Config, now: dt.datetime) -> Report:
    people = _people(uow)
    rows = []
    for case in uow.cases.with_status(*CaseStatus):
        if not _is_app(filters, case.app_key):
            continue
        if not _is_person(filters, case.email, case.holder, people):
            continue
        if filters.since and case.opened_at.date() < filters.since:
            continue
        rows.append(
            {
                "id": case.id,
                "app": case.app_key,
                "tier": case.tier_key,
                "email": case.email,
                "holder": case.holder,
                "kind": case.kind.value,
                "status": case.status.value,
                "opened_at": case.opened_at,
                "deadline": case.deadline,
                "answered_by": case.answered_by,
                "action": case.action,
                "to_tier": case.to_tier,
                "monthly_saving": case.monthly_saving,
                "completed_at": case.completed_at,
                "note": case.note,
            }
        )
    return Report("reclaims", RECLAIM_COLUMNS, rows, ("monthly_saving",))


AUDIT_COLUMNS = ("seq", "at", "actor", "action", "subject", "data", "hash")


def _audit(filters: Filters, uow: UnitOfWork, config: Config, now: dt.datetime) -> Report:
    rows = []
    for event in uow.audit.all():
        if filters.since and event.at.date() < filters.since:
            continue
        if filters.app and not _about_app(event.subject, filters.app):
            continue
        if filters.person and filters.person.lower() not in (
            event.actor.lower(),
            *event.subject.lower().split(":"),
        ):
            continue
        rows.append(
            {
                "seq": event.seq,
                "at": event.at,
                "actor": event.actor,
                "action": event.action,
                "subject": event.subject,
                "data": json.dumps(event.data, sort_keys=True, default=str),
                "hash": event.hash,
            }
        )
    return Report("audit", AUDIT_COLUMNS, rows)


def _about_app(subject: str, app: str) -> bool:
    parts = subject.split(":")
    return parts[0] in ("seat", "app") and len(parts) > 1 and parts[1] == app


def _people(uow: UnitOfWork) -> dict[str, Person]:
    return {person.email: person for person in uow.people.all()}


def _person_by_slack(people: dict[str, Person], slack_user_id: str) -> Person | None:
    return next((p for p in people.values() if p.slack_user_id == slack_user_id), None)


def _is_app(filters: Filters, app_key: str) -> bool:
    return filters.app is None or filters.app == app_key


def _is_person(
    filters: Filters, email: str | None, slack_user_id: str | None, people: dict[str, Person]
) -> bool:
    if filters.person is None:
        return True
    wanted = filters.person.strip()
    # A seat or case may predate the holder's Slack id: the directory's id counts too.
    person = people.get(email or "")
    known_ids = {slack_user_id, person.slack_user_id if person else None}
    return wanted.lower() == (email or "").lower() or wanted in known_ids


def paged(rows: Iterable[Row], *, offset: int, limit: int) -> list[Row]:
    """One page of rows."""
    return list(rows)[offset : offset + limit]
