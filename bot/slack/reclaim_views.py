"""Reclaim cases, waves and leavers as the view models `messages` renders."""

from __future__ import annotations

import datetime as dt

from messages.views import AtDeadline, CaseCard, LeaverView, SeatLine, WaveLine, WaveView
from workflows.answers import back_possible
from workflows.cases import DOWNGRADE, price, reclaim_action, saving
from workflows.catalog import AppConfig, Config
from workflows.model import CaseStatus, ReclaimCase, ReclaimWave, Seat, SeatStatus
from workflows.ports import UnitOfWork


def case_card(case: ReclaimCase, uow: UnitOfWork, config: Config, now: dt.datetime) -> CaseCard:
    """A case as its holder sees it now."""
    app = config.app(case.app_key)
    seat = uow.seats.get(case.seat_id)
    asked = (case.prompted_at or now).date()
    return CaseCard(
        id=case.id or 0,
        kind=case.kind.value,
        status=case.status.value,
        holder=case.holder,
        app_name=app.name if app else case.app_key,
        tier_name=_tier_name(app, case.tier_key),
        monthly_price=price(config, case.app_key, case.tier_key),
        currency=config.currency,
        last_active_on=case.last_active_on,
        days_idle=(asked - case.last_active_on).days if case.last_active_on else None,
        activity_source=case.activity_source,
        deadline=case.deadline,
        waiting=case.waiting,
        at_deadline=_at_deadline(app, seat, config),
        downgrade_to=_downgrade_to(app, case, config),
        answered_by=case.answered_by,
        answered_at=case.answered_at,
        action=case.action,
        to_tier_name=_tier_name(app, case.to_tier) if case.to_tier else None,
        saving=case.monthly_saving if case.monthly_saving is not None else saving(config, case),
        note=case.note,
        kept_until=seat.snoozed_until if seat and case.status == CaseStatus.KEPT else None,
        back_until=_back_until(case, app, config, now),
        requested_back=case.requested_back,
        end_date=seat.end_date if seat and seat.end_date else _day(case.deadline),
    )


def wave_view(wave: ReclaimWave, uow: UnitOfWork, config: Config) -> WaveView:
    """A review wave as the IT channel sees it."""
    app = config.app(wave.app_key)
    lines = [_wave_line(case, app, config, wave) for case in uow.cases.in_wave(wave.id or 0)]
    policy = config.reclaim_policy(app) if app else config.defaults.reclaim
    lower = app.tier(policy.downgrade_to) if app and policy.downgrade_to else None
    words = f"moved to {lower.name}" if policy.action == DOWNGRADE and lower else "removed"
    return WaveView(
        id=wave.id or 0,
        app_name=app.name if app else wave.app_key,
        currency=config.currency,
        status=wave.status.value,
        lines=lines,
        decided_by=wave.decided_by,
        decided_at=wave.decided_at,
        action_words=words,
    )


def leaver_view(
    email: str, seats: list[tuple[str, str]], uow: UnitOfWork, config: Config
) -> LeaverView:
    """Someone who left and their seats (app key, tier key), for the IT channel."""
    person = uow.people.by_email(email)
    shown = []
    for app_key, tier_key in seats:
        app = config.app(app_key)
        name = app.name if app else app_key
        shown.append((name, _tier_name(app, tier_key), price(config, app_key, tier_key)))
    return LeaverView(email, person.name if person else "", config.currency, shown)


def seat_line(seat: Seat, config: Config) -> SeatLine:
    """A seat as its holder sees it, with a Release button while it is active."""
    app = config.app(seat.app_key)
    return SeatLine(
        app.name if app else seat.app_key,
        _tier_name(app, seat.tier_key),
        seat.assigned_on,
        seat.paid_until,
        seat_id=seat.id,
        last_active_on=seat.last_active_on,
        activity_source=seat.activity_source,
        monthly_price=price(config, seat.app_key, seat.tier_key),
        currency=config.currency,
        releasing=seat.status == SeatStatus.RELEASING,
    )


def _wave_line(
    case: ReclaimCase, app: AppConfig | None, config: Config, wave: ReclaimWave
) -> WaveLine:
    start = (wave.created_at).date()
    return WaveLine(
        case_id=case.id or 0,
        holder=case.holder,
        email=case.email,
        tier_name=_tier_name(app, case.tier_key),
        days_idle=(start - case.last_active_on).days if case.last_active_on else None,
        activity_source=case.activity_source,
        monthly_price=price(config, case.app_key, case.tier_key),
        state=case.status.value,
        by=case.answered_by,
    )


def _at_deadline(app: AppConfig | None, seat: Seat | None, config: Config) -> AtDeadline:
    if app is None or seat is None:
        return "release"
    policy = config.reclaim_policy(app)
    if policy.review:
        return "review"
    action, _ = reclaim_action(seat, app, policy)
    return "downgrade" if action == DOWNGRADE else "release"


def _downgrade_to(app: AppConfig | None, case: ReclaimCase, config: Config) -> str | None:
    """The lower tier's name when the holder may move down instead of releasing."""
    if app is None:
        return None
    target = config.reclaim_policy(app).downgrade_to
    tier = app.tier(target) if target and target != case.tier_key else None
    cheaper = tier is not None and tier.monthly_price < price(config, case.app_key, case.tier_key)
    return tier.name if tier and cheaper else None


def _back_until(
    case: ReclaimCase, app: AppConfig | None, config: Config, now: dt.datetime
) -> dt.datetime | None:
    if app is None or case.closed_at is None:
        return None
    grace = config.reclaim_policy(app).grace_days
    return case.closed_at + dt.timedelta(days=grace) if back_possible(case, grace, now) else None


def _tier_name(app: AppConfig | None, tier_key: str | None) -> str:
    tier = app.tier(tier_key) if app and tier_key else None
    return tier.name if tier else (tier_key or "")


def _day(moment: dt.datetime | None) -> dt.date | None:
    return moment.date() if moment else None
