"""An app's figures as the report IT opens from a notice alert."""

from __future__ import annotations

import datetime as dt

from messages.views import AppReport
from workflows.catalog import Config
from workflows.digest import current_figures
from workflows.errors import NotFound
from workflows.ports import UnitOfWork

IDLEST = 10


def app_report(app_key: str, uow: UnitOfWork, config: Config, today: dt.date) -> AppReport:
    """The app's figures today, its renewal advice and its idlest seats."""
    found = next((f for f in current_figures(uow, config, today) if f.app_key == app_key), None)
    app = config.app(app_key)
    if found is None or app is None:
        raise NotFound("That app is not in the catalog any more.")
    headroom = config.digest.headroom_percent
    held = [seat for seat in uow.seats.held_on(app_key)]
    held.sort(key=lambda s: (s.last_active_on is not None, s.last_active_on or today, s.email))
    return AppReport(
        app_key=found.app_key,
        app_name=found.app_name,
        currency=config.currency,
        paid=found.paid,
        assigned=found.assigned,
        active=found.active,
        idle=found.idle,
        unassigned=found.unassigned,
        waiting=found.waiting,
        seat_price=found.seat_price,
        overspend=found.overspend,
        monthly_spend=found.monthly_spend,
        renews_on=found.renews_on,
        notice_deadline=found.notice_deadline,
        auto_renew=found.auto_renew,
        recommended=found.recommended(headroom),
        yearly_saving=found.yearly_saving(headroom),
        idlest=[
            (
                seat.email,
                _tier_name(config, app_key, seat.tier_key),
                (today - seat.last_active_on).days if seat.last_active_on else None,
            )
            for seat in held[:IDLEST]
        ],
        days_to_notice=(found.notice_deadline - today).days if found.notice_deadline else None,
    )


def _tier_name(config: Config, app_key: str, tier_key: str) -> str:
    app = config.app(app_key)
    tier = app.tier(tier_key) if app else None
    return tier.name if tier else tier_key
