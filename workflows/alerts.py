"""Notice alerts: IT hears when an app's notice deadline is 30, 14, 7 and 1 days away.

Each threshold of each deadline is one job with its own key, so it is sent exactly once,
whichever server runs the pass and however often. A pass that first sees a deadline already
close sends only the nearest threshold it has reached, not every one it missed.
"""

from __future__ import annotations

import datetime as dt

from workflows import jobs
from workflows.audit import SYSTEM, record
from workflows.catalog import Config
from workflows.commands import NoticeAlerts
from workflows.ports import Clock, UnitOfWork

THRESHOLDS = (30, 14, 7, 1)


def notice_alerts(
    cmd: NoticeAlerts, *, uow: UnitOfWork, config: Config, clock: Clock
) -> list[tuple[str, int]]:
    """Queue the alert each app's notice deadline is due for; return (app, threshold) queued."""
    today = clock.now().date()
    queued = []
    for app in config.apps:
        contract = app.contract
        if contract.renews_on is None:
            continue
        deadline = contract.renews_on - dt.timedelta(days=contract.notice_days)
        threshold = due_threshold((deadline - today).days)
        if threshold is None:
            continue
        alert = jobs.NoticeAlert(
            app_key=app.key, threshold=threshold, notice_deadline=deadline.isoformat()
        )
        if jobs.enqueue(uow, clock, alert, f"{app.key}:{deadline.isoformat()}:{threshold}"):
            record(
                uow,
                clock,
                SYSTEM,
                "contract.notice_alert",
                f"app:{app.key}",
                threshold=threshold,
                notice_deadline=deadline.isoformat(),
            )
            queued.append((app.key, threshold))
    return queued


def due_threshold(days_left: int) -> int | None:
    """The nearest threshold `days_left` has reached, or None (too far, or already past)."""
    if days_left < 0:
        return None
    reached = [t for t in THRESHOLDS if days_left <= t]
    return min(reached) if reached else None
