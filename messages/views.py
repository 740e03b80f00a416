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
    """A seat someone holds."""

    app_name: str
    tier_name: str
    since: date | None
    paid_until: date | None = None  # removed at the vendor, still billed until then


@dataclass(frozen=True)
class HomeView:
    """Everything the App Home tab shows one person."""

    user: str
    catalog: list[TierOption] = field(default_factory=list)
    requests: list[RequestCard] = field(default_factory=list)
    seats: list[SeatLine] = field(default_factory=list)
    approvals: list[tuple[RequestCard, int]] = field(default_factory=list)


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
