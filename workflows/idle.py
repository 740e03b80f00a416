"""Who is idle: the reclaim policy applied to one seat, with the reason it is or is not asked.

Pure functions of a seat, its app's policy and the day; `bot/` and the reclaim verbs decide
what to do with the verdict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from workflows.catalog import AppConfig, ReclaimPolicy
from workflows.model import Seat

# A time-bound seat's holder is told this long before it ends.
ENDING_NOTICE = dt.timedelta(days=3)


class Verdict(StrEnum):
    """What the policy says of a seat, in the words a report shows."""

    IDLE = "idle"
    ACTIVE = "used recently"
    NO_DATA = "no activity data"
    EXEMPT = "exempt"
    NEW = "new seat"
    KEPT = "kept recently"
    FREE = "free tier"
    OFF = "reclaim turned off"
    ENDING = "ends soon"


@dataclass(frozen=True)
class Assessment:
    """A seat's verdict, and how many days since it was last used (None: no data)."""

    seat: Seat
    verdict: Verdict
    days_idle: int | None = None

    @property
    def idle(self) -> bool:
        """True when the holder should be asked keep or release."""
        return self.verdict == Verdict.IDLE


def assess(seat: Seat, app: AppConfig, policy: ReclaimPolicy, *, now: dt.datetime) -> Assessment:
    """The policy's verdict on `seat` now (the first reason not to ask wins)."""
    today = now.date()
    days = (today - seat.last_active_on).days if seat.last_active_on else None
    verdict = _not_asked(seat, app, policy, now)
    if verdict is None:
        if days is None:
            verdict = Verdict.NO_DATA
        else:
            verdict = Verdict.IDLE if days > policy.idle_days else Verdict.ACTIVE
    return Assessment(seat, verdict, days)


def _not_asked(
    seat: Seat, app: AppConfig, policy: ReclaimPolicy, now: dt.datetime
) -> Verdict | None:
    tier = app.tier(seat.tier_key)
    started = seat.assigned_on or (seat.recorded_at.date() if seat.recorded_at else None)
    if seat.end_date is not None and seat.end_date <= now.date() + ENDING_NOTICE:
        return Verdict.ENDING  # granted until then: it ends whatever the idle policy says
    if not policy.enabled:
        return Verdict.OFF
    if seat.email in policy.exempt:
        return Verdict.EXEMPT
    if tier is not None and tier.monthly_price == 0:
        return Verdict.FREE  # nothing to save, and nobody waits for a free seat
    if started is not None and (now.date() - started).days < policy.new_seat_days:
        return Verdict.NEW
    if seat.snoozed_until is not None and seat.snoozed_until > now:
        return Verdict.KEPT
    return None


def idlest(assessments: list[Assessment]) -> list[Assessment]:
    """The idle seats, longest unused first (the seat broker asks these first)."""
    idle = [a for a in assessments if a.idle]
    return sorted(idle, key=lambda a: (-(a.days_idle or 0), a.seat.email))
