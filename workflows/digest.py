"""The IT channel's digest: renewals, overspend, what reclaiming saved, and work waiting.

`build_digest` computes it from the database (changing nothing); `post_digest` also stores it
(so the next digest can say what changed, and its period starts there) and queues its post.
The digest is data: `bot/` decides how to show it in Slack or on a terminal.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from workflows import jobs
from workflows.catalog import Config
from workflows.commands import SCHEDULE, BuildDigest
from workflows.errors import Refused
from workflows.figures import AppFigures, activity_since, all_figures
from workflows.model import (
    CaseStatus,
    DigestRecord,
    RequestStatus,
)
from workflows.ports import Clock, SeatTally, UnitOfWork

FIRST_PERIOD = dt.timedelta(days=7)  # the period of the first digest, with none before it
ASKING = (CaseStatus.SCHEDULED, CaseStatus.PROMPTED, CaseStatus.REMINDED)
CHANGE_FIELDS = ("paid", "assigned", "active", "waiting")


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DigestApp(_Data):
    """One app's figures (see `workflows.figures`)."""

    app_key: str
    app_name: str
    paid: int
    assigned: int
    active: int
    idle: int
    unassigned: int
    waiting: int
    seat_price: Decimal
    overspend: Decimal
    monthly_spend: Decimal

    @classmethod
    def of(cls, f: AppFigures) -> DigestApp:
        """The digest's copy of an app's figures."""
        return cls(
            app_key=f.app_key,
            app_name=f.app_name,
            paid=f.paid,
            assigned=f.assigned,
            active=f.active,
            idle=f.idle,
            unassigned=f.unassigned,
            waiting=f.waiting,
            seat_price=f.seat_price,
            overspend=f.overspend,
            monthly_spend=f.monthly_spend,
        )


class DigestRenewal(_Data):
    """A contract renewing within the horizon, and the seat count to renew at."""

    app_key: str
    app_name: str
    renews_on: dt.date
    notice_deadline: dt.date
    days_to_notice: int
    auto_renew: bool
    paid: int
    assigned: int
    active: int
    waiting: int
    recommended: int
    yearly_saving: Decimal


class DigestReclaims(_Data):
    """What reclaiming did in the period and to date, and what it still waits for."""

    removed: int = 0  # seats revoked in the period
    downgraded: int = 0
    saved: Decimal = Decimal(0)  # per month, by what was taken back in the period
    removed_to_date: int = 0
    downgraded_to_date: int = 0
    saved_to_date: Decimal = Decimal(0)
    prompts_pending: int = 0
    waves_open: int = 0


class DigestApproval(_Data):
    """A request waiting for a decision, and who holds it."""

    request_id: int
    requester: str
    app_name: str
    tier_name: str
    since: dt.datetime
    approvers: tuple[str, ...]


class DigestTask(_Data):
    """An open IT task."""

    task_id: int
    summary: str
    since: dt.datetime


class DigestChange(_Data):
    """An app whose figures moved since the previous digest: field -> (before, now)."""

    app_key: str
    app_name: str
    moved: dict[str, tuple[int, int]]


class Digest(_Data):
    """Everything one digest says."""

    at: dt.datetime
    period_start: dt.datetime
    currency: str
    horizon_days: int
    headroom_percent: int
    apps: tuple[DigestApp, ...]
    renewals: tuple[DigestRenewal, ...]
    reclaims: DigestReclaims
    approvals: tuple[DigestApproval, ...]
    tasks: tuple[DigestTask, ...]
    waitlists: dict[str, int]  # app name -> people waiting
    changes: tuple[DigestChange, ...] = ()
    first: bool = False  # no digest before it to compare with

    @property
    def total_overspend(self) -> Decimal:
        """Overspend of every app, per month."""
        return sum((app.overspend for app in self.apps), Decimal(0))

    @property
    def total_spend(self) -> Decimal:
        """What every app's paid seats cost per month."""
        return sum((app.monthly_spend for app in self.apps), Decimal(0))


def build_digest(cmd: BuildDigest, *, uow: UnitOfWork, config: Config, clock: Clock) -> Digest:
    """The digest as of now (nothing is stored: `post_digest` does that)."""
    now = clock.now()
    previous = uow.digests.latest()
    start = previous.created_at if previous else now - FIRST_PERIOD
    figures = current_figures(uow, config, now.date())
    return Digest(
        at=now,
        period_start=start,
        currency=config.currency,
        horizon_days=config.digest.horizon_days,
        headroom_percent=config.digest.headroom_percent,
        apps=tuple(DigestApp.of(f) for f in figures),
        renewals=renewals(figures, config, now.date()),
        reclaims=_reclaims(uow, start, now),
        approvals=_approvals(uow, config),
        tasks=tuple(
            DigestTask(task_id=t.id or 0, summary=t.summary, since=t.created_at)
            for t in uow.tasks.open_tasks()
        ),
        waitlists={f.app_name: f.waiting for f in figures if f.waiting},
        changes=_changes(previous, figures),
        first=previous is None,
    )


def post_digest(cmd: BuildDigest, *, uow: UnitOfWork, config: Config, clock: Clock) -> Digest:
    """Build the digest, store it and queue its post to the IT channel (admins or the
    schedule only)."""
    if cmd.requested_by != SCHEDULE and cmd.requested_by not in config.admins:
        raise Refused("Only Seatkeeper admins can post the digest.")
    digest = build_digest(cmd, uow=uow, config=config, clock=clock)
    record = DigestRecord(
        created_at=digest.at,
        requested_by=cmd.requested_by,
        payload=digest.model_dump(mode="json"),
    )
    uow.digests.add(record)
    uow.flush()
    jobs.enqueue(uow, clock, jobs.DigestPost(digest_id=record.id or 0), f"{record.id}")
    return digest


def current_figures(uow: UnitOfWork, config: Config, today: dt.date) -> list[AppFigures]:
    """Every app's figures today, most money at stake first (counted by the database)."""
    tallies: dict[str, list[SeatTally]] = {}
    for since, app_keys in activity_since(config, today).items():
        for tally in uow.seats.tally(app_keys, since):
            tallies.setdefault(tally.app_key, []).append(tally)
    waiting = Counter(r.app_key for r in uow.requests.with_status(RequestStatus.WAITLISTED))
    return all_figures(config, tallies, waiting)


def renewals(
    figures: list[AppFigures], config: Config, today: dt.date
) -> tuple[DigestRenewal, ...]:
    """Contracts renewing within the horizon, the biggest yearly saving first."""
    horizon = today + dt.timedelta(days=config.digest.horizon_days)
    headroom = config.digest.headroom_percent
    found = [
        DigestRenewal(
            app_key=f.app_key,
            app_name=f.app_name,
            renews_on=f.renews_on,
            notice_deadline=f.notice_deadline,
            days_to_notice=(f.notice_deadline - today).days,
            auto_renew=f.auto_renew,
            paid=f.paid,
            assigned=f.assigned,
            active=f.active,
            waiting=f.waiting,
            recommended=f.recommended(headroom),
            yearly_saving=f.yearly_saving(headroom),
        )
        for f in figures
        if f.renews_on is not None
        and f.notice_deadline is not None
        and today <= f.renews_on <= horizon
    ]
    return tuple(sorted(found, key=lambda r: (-r.yearly_saving, r.renews_on, r.app_key)))


def _reclaims(uow: UnitOfWork, start: dt.datetime, now: dt.datetime) -> DigestReclaims:
    done = uow.cases.completed()
    recent = [c for c in done if c.completed_at is not None and start < c.completed_at <= now]
    asking = uow.cases.with_status(*ASKING)
    in_review = uow.cases.with_status(CaseStatus.IN_REVIEW)
    return DigestReclaims(
        removed=sum(1 for c in recent if c.action != "downgrade"),
        downgraded=sum(1 for c in recent if c.action == "downgrade"),
        saved=sum((c.monthly_saving or Decimal(0) for c in recent), Decimal(0)),
        removed_to_date=sum(1 for c in done if c.action != "downgrade"),
        downgraded_to_date=sum(1 for c in done if c.action == "downgrade"),
        saved_to_date=sum((c.monthly_saving or Decimal(0) for c in done), Decimal(0)),
        prompts_pending=len(asking),
        waves_open=len({c.wave_id for c in in_review if c.wave_id is not None}),
    )


def _approvals(uow: UnitOfWork, config: Config) -> tuple[DigestApproval, ...]:
    found = []
    for request in uow.requests.with_status(RequestStatus.PENDING):
        step = request.current_step()
        app = config.app(request.app_key)
        tier = app.tier(request.tier_key) if app else None
        found.append(
            DigestApproval(
                request_id=request.id or 0,
                requester=request.requester,
                app_name=app.name if app else request.app_key,
                tier_name=tier.name if tier else request.tier_key,
                since=request.created_at,
                approvers=tuple(step.approvers) if step else (),
            )
        )
    return tuple(sorted(found, key=lambda a: (a.since, a.request_id)))


def _changes(previous: DigestRecord | None, figures: list[AppFigures]) -> tuple[DigestChange, ...]:
    """Apps whose paid, assigned, active or waiting count moved since the previous digest."""
    if previous is None:
        return ()
    before = {app["app_key"]: app for app in previous.payload.get("apps", [])}
    changes = []
    for f in figures:
        old = before.get(f.app_key)
        if old is None:
            continue
        moved = {
            name: (int(old.get(name, 0)), int(getattr(f, name)))
            for name in CHANGE_FIELDS
            if int(old.get(name, 0)) != int(getattr(f, name))
        }
        if moved:
            changes.append(DigestChange(app_key=f.app_key, app_name=f.app_name, moved=moved))
    return tuple(changes)
