"""View models: the plain data the templates render, built by `bot/` from domain objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal


@dataclass(frozen=True)
class TierOption:
    """One app tier a person can request, with its price per seat per month."""

    app_key: str
    app_name: str
    tier_key: str
    tier_name: str
    monthly_price: Decimal
    currency: str


@dataclass(frozen=True)
class RequestCard:
    """A request as the people involved see it."""

    id: int
    app_name: str
    tier_name: str
    monthly_price: Decimal
    currency: str
    requester: str
    reason: str
    end_date: date | None
    status: str
    waiting_on: tuple[str, ...]
    seats_left: int | None
    created_at: datetime
    can_cancel: bool


@dataclass(frozen=True)
class Decision:
    """The decision that closed an approval step."""

    outcome: Literal["approved", "denied"]
    by: str
    at: datetime
    reason: str | None = None


@dataclass(frozen=True)
class TaskCard:
    """A piece of work for IT, such as assigning a seat by hand."""

    id: int
    request: RequestCard | None
    summary: str
    why: str
    done_by: str | None = None
    done_at: datetime | None = None
    detail: str | None = None  # a vendor's own words, shown as inert text


@dataclass(frozen=True)
class SeatLine:
    """A seat someone holds; with `seat_id`, it can be released from where it is shown."""

    app_name: str
    tier_name: str
    since: date | None
    paid_until: date | None = None  # removed at the vendor, still billed until then
    seat_id: int | None = None
    last_active_on: date | None = None
    activity_source: str | None = None
    monthly_price: Decimal = Decimal(0)
    currency: str = ""
    releasing: bool = False  # being removed now


AtDeadline = Literal["release", "downgrade", "review"]


@dataclass(frozen=True)
class CaseCard:
    """A question about one seat (or a seat being taken back), as its holder sees it.

    `kind`: idle, ending, leaver or release; `status`: the case's state. `at_deadline`: what
    happens to an unanswered idle seat (release, downgrade or review). `back_until`: until when
    "Request it back" works (None: not offered).
    """

    id: int
    kind: str
    status: str
    holder: str | None
    app_name: str
    tier_name: str
    monthly_price: Decimal
    currency: str
    last_active_on: date | None = None
    days_idle: int | None = None
    activity_source: str | None = None
    deadline: datetime | None = None
    waiting: bool = False
    at_deadline: AtDeadline = "release"
    downgrade_to: str | None = None  # the lower tier's name, when Downgrade is offered
    answered_by: str | None = None
    answered_at: datetime | None = None
    action: str | None = None
    to_tier_name: str | None = None
    saving: Decimal = Decimal(0)
    note: str | None = None
    kept_until: datetime | None = None
    back_until: datetime | None = None
    requested_back: int | None = None
    end_date: date | None = None
    billed_to_cycle_end: bool = False  # the vendor bills a removed seat to the cycle's end


@dataclass(frozen=True)
class WaveLine:
    """One holder in a review wave, and where their seat stands."""

    case_id: int
    holder: str | None
    email: str
    tier_name: str
    days_idle: int | None
    activity_source: str | None
    monthly_price: Decimal
    state: str  # in_review, kept, released, reclaimed, skipped
    by: str | None = None


@dataclass(frozen=True)
class WaveView:
    """A review wave for the IT channel: an app's seats past their deadline."""

    id: int
    app_name: str
    currency: str
    status: str  # open, confirmed, skipped
    lines: list[WaveLine] = field(default_factory=list)
    decided_by: str | None = None
    decided_at: datetime | None = None
    action_words: str = "remove"  # what reclaiming does: remove, or "move to Viewer"

    @property
    def due(self) -> list[WaveLine]:
        """The holders still waiting for IT's decision."""
        return [line for line in self.lines if line.state == "in_review"]

    @property
    def monthly(self) -> Decimal:
        """What reclaiming the seats still due saves per month."""
        return sum((line.monthly_price for line in self.due), Decimal(0))


@dataclass(frozen=True)
class LeaverView:
    """Someone who left, and the seats being taken back from them."""

    email: str
    name: str
    currency: str
    seats: list[tuple[str, str, Decimal]] = field(default_factory=list)  # app, tier, price

    @property
    def monthly(self) -> Decimal:
        """What taking their seats back saves per month."""
        return sum((price for _, _, price in self.seats), Decimal(0))


@dataclass(frozen=True)
class HomeView:
    """Everything the App Home tab shows one person."""

    user: str
    catalog: list[TierOption] = field(default_factory=list)
    requests: list[RequestCard] = field(default_factory=list)
    seats: list[SeatLine] = field(default_factory=list)
    approvals: list[tuple[RequestCard, int]] = field(default_factory=list)
    # How many more than the lists hold there are (the lists may hold only the first few).
    requests_more: int = 0
    approvals_more: int = 0


@dataclass(frozen=True)
class AppDriftLine:
    """What one app's sync found (counts, a few emails as examples, or the error)."""

    app_name: str
    found: int = 0
    gone: int = 0
    tier_changes: int = 0
    examples: tuple[str, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class SyncSummary:
    """The drift summary for the IT channel after a sync that changed something."""

    apps: list[AppDriftLine] = field(default_factory=list)
    joined: int = 0
    left: tuple[str, ...] = ()
    directory_error: str | None = None


@dataclass(frozen=True)
class AppReport:
    """One app's figures, its renewal and its idlest seats, for IT."""

    app_key: str
    app_name: str
    currency: str
    paid: int
    assigned: int
    active: int
    idle: int
    unassigned: int
    waiting: int
    seat_price: Decimal
    overspend: Decimal
    monthly_spend: Decimal
    renews_on: date | None = None
    notice_deadline: date | None = None
    auto_renew: bool = False
    recommended: int | None = None
    yearly_saving: Decimal = Decimal(0)
    idlest: list[tuple[str, str, int | None]] = field(default_factory=list)  # email, tier, days
    days_to_notice: int | None = None
