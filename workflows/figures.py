"""The figures of each app, as PRODUCT.md defines them, from the seats held and the contract.

*paid* = contract seats (or, without a contract count, the seats assigned: pay as you go);
*assigned* = seats held on the tiers that use contract seats (the paid ones, or every tier when
none is paid); *active* = of those, used within the app's `idle_days`; *idle* = assigned -
active; *unassigned* = paid - assigned; *overspend* = (paid - active) * the app's seat price, per
month. An app's seat price is its paid tier's price, or with several paid tiers the average
price of the seats assigned on them (the cheapest paid tier's when none is assigned).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from workflows.catalog import AppConfig, Config
from workflows.model import Seat
from workflows.ports import SeatTally
from workflows.seats import counted_tiers

CENT = Decimal("0.01")


@dataclass(frozen=True)
class AppFigures:
    """One app's seats and money, on one day."""

    app_key: str
    app_name: str
    paid: int
    assigned: int
    active: int
    seat_price: Decimal  # per seat per month
    waiting: int = 0
    contract_seats: int | None = None  # None: the contract sets no count (pay as you go)
    renews_on: dt.date | None = None
    notice_days: int = 0
    auto_renew: bool = False

    @property
    def idle(self) -> int:
        """Assigned but not used within the app's idle period."""
        return self.assigned - self.active

    @property
    def unassigned(self) -> int:
        """Paid for but held by nobody (negative: more assigned than the contract pays)."""
        return self.paid - self.assigned

    @property
    def overspend(self) -> Decimal:
        """What paid seats nobody uses cost per month."""
        return _money(max(self.paid - self.active, 0) * self.seat_price)

    @property
    def monthly_spend(self) -> Decimal:
        """What the paid seats cost per month."""
        return _money(self.paid * self.seat_price)

    @property
    def notice_deadline(self) -> dt.date | None:
        """The last day to change or cancel the contract before it renews."""
        if self.renews_on is None:
            return None
        return self.renews_on - dt.timedelta(days=self.notice_days)

    def recommended(self, headroom_percent: int) -> int:
        """Seats to renew at: active + waiting, plus the headroom, rounded up."""
        wanted = Decimal(self.active + self.waiting) * (1 + Decimal(headroom_percent) / 100)
        return math.ceil(wanted)

    def yearly_saving(self, headroom_percent: int) -> Decimal:
        """What renewing at the recommended count instead of the paid one saves a year."""
        fewer = max(self.paid - self.recommended(headroom_percent), 0)
        return _money(fewer * self.seat_price * 12)


def app_figures(app: AppConfig, tallies: Iterable[SeatTally], *, waiting: int = 0) -> AppFigures:
    """The figures of `app` from its seats held today, counted per tier."""
    counted = counted_tiers(app)
    mine = [
        t for t in tallies if t.app_key == app.key and (counted is None or t.tier_key in counted)
    ]
    assigned = sum(t.held for t in mine)
    contract = app.contract.seats
    return AppFigures(
        app_key=app.key,
        app_name=app.name,
        paid=contract if contract is not None else assigned,
        assigned=assigned,
        active=sum(t.active for t in mine),
        seat_price=_seat_price(app, mine, counted),
        waiting=waiting,
        contract_seats=contract,
        renews_on=app.contract.renews_on,
        notice_days=app.contract.notice_days,
        auto_renew=app.contract.auto_renew,
    )


def all_figures(
    config: Config, tallies: Mapping[str, list[SeatTally]], waiting: Mapping[str, int]
) -> list[AppFigures]:
    """Every app's figures, most money at stake (overspend, then spend) first."""
    figures = [
        app_figures(app, tallies.get(app.key, []), waiting=waiting.get(app.key, 0))
        for app in config.apps
    ]
    return sorted(figures, key=lambda f: (-f.overspend, -f.monthly_spend, f.app_key))


def activity_since(config: Config, today: dt.date) -> dict[dt.date, list[str]]:
    """The apps by the first day a seat must have been used on to count as active today."""
    found: dict[dt.date, list[str]] = {}
    for app in config.apps:
        since = today - dt.timedelta(days=config.reclaim_policy(app).idle_days)
        found.setdefault(since, []).append(app.key)
    return found


def tally_seats(
    seats: Iterable[Seat], app_keys: Collection[str], since: dt.date
) -> list[SeatTally]:
    """`SeatRepository.tally` over seats already at hand (they count whatever their status)."""
    counts: dict[tuple[str, str], list[int]] = {}
    for seat in seats:
        if seat.app_key in app_keys:
            count = counts.setdefault((seat.app_key, seat.tier_key), [0, 0])
            count[0] += 1
            count[1] += seat.last_active_on is not None and seat.last_active_on >= since
    return [SeatTally(app, tier, held, active) for (app, tier), (held, active) in counts.items()]


def _seat_price(app: AppConfig, tallies: list[SeatTally], counted: list[str] | None) -> Decimal:
    prices = {tier.key: tier.monthly_price for tier in app.tiers}
    tiers = counted if counted is not None else [tier.key for tier in app.tiers]
    if len(tiers) == 1:
        return prices[tiers[0]]
    held = sum(t.held for t in tallies)
    if held:
        total = sum((prices.get(t.tier_key, Decimal(0)) * t.held for t in tallies), Decimal(0))
        return _money(total / held)
    return min(prices[key] for key in tiers)


def _money(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
