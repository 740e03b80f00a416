"""What the REST API answers: one item model per report, a page of items, and an error.

Each item model has exactly its report's columns (`workflows.reports`), with the same names and
order; a column the report grows without a field here fails loudly (`extra="forbid"`). Amounts
are strings with two decimals ("15.00"), so no client reads them through a float; dates are
`YYYY-MM-DD`; times are ISO 8601 in UTC (`2026-11-23T09:00:00Z`).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from workflows.model import CaseKind, CaseStatus, RequestStatus, SeatStatus


def _two_decimals(value: object) -> object:
    return f"{value:.2f}" if isinstance(value, Decimal | int) else value


def _json_object(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


Money = Annotated[
    str,
    BeforeValidator(_two_decimals),
    Field(
        pattern=r"^-?[0-9]+\.[0-9]{2}$",
        examples=["15.00"],
        description="An amount in the configured currency, two decimals.",
    ),
]


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)


class SeatItem(Item):
    """A seat held (active, or being released)."""

    app: str
    tier: str
    email: str
    slack_user_id: str | None
    status: SeatStatus
    assigned_on: dt.date | None
    last_active_on: dt.date | None
    activity_source: str | None
    """What `last_active_on` is, such as "last sign-in"."""
    days_idle: int | None
    """Days since `last_active_on`; null without activity data."""
    idle: bool
    """Unused for longer than the app's `idle_days`, or no activity data."""
    monthly_price: Money
    end_date: dt.date | None
    """Granted until then (a request's end date)."""
    paid_until: dt.date | None
    """Removed at the vendor, still billed until then."""


class SpendItem(Item):
    """One app's seats and money today."""

    app: str
    name: str
    paid: int
    """Contract seats, or the seats assigned when the contract sets no count."""
    assigned: int
    active: int
    """Assigned seats used within the app's `idle_days`."""
    idle: int
    unassigned: int
    """Paid for but held by nobody (negative: more assigned than paid)."""
    waiting: int
    """Requests waitlisted for a seat."""
    seat_price: Money
    monthly_spend: Money
    overspend: Money
    """What paid seats nobody uses cost per month."""


class RenewalItem(Item):
    """A contract renewal, with the seat count to renew at."""

    app: str
    name: str
    renews_on: dt.date
    notice_deadline: dt.date
    """The last day to change or cancel the contract before it renews."""
    days_to_notice: int
    auto_renew: bool
    paid: int
    assigned: int
    active: int
    waiting: int
    recommended: int
    """Seats to renew at: active and waiting, plus the configured headroom."""
    yearly_saving: Money
    """What renewing at `recommended` instead of `paid` saves a year."""


class RequestItem(Item):
    """A request for a seat, in any status."""

    id: int
    requester: str
    """The requester's Slack user id."""
    app: str
    tier: str
    status: RequestStatus
    created_at: dt.datetime
    approved_at: dt.datetime | None
    closed_at: dt.datetime | None
    end_date: dt.date | None
    waiting_on: str
    """Slack user ids of the current step's approvers, space-separated; empty when none."""


class ReclaimItem(Item):
    """A reclaim case: one question about one seat, or one removal."""

    id: int
    app: str
    tier: str
    email: str
    holder: str | None
    """The holder's Slack user id."""
    kind: CaseKind
    status: CaseStatus
    opened_at: dt.datetime
    deadline: dt.datetime | None
    answered_by: str | None
    action: str | None
    """What taking the seat back does: revoke, or downgrade to `to_tier`."""
    to_tier: str | None
    monthly_saving: Money | None
    """Set once the seat was taken back."""
    completed_at: dt.datetime | None
    note: str | None
    """Why the case closed without taking the seat."""


class AuditItem(Item):
    """One audit event; each carries the hash of the one before."""

    seq: int
    at: dt.datetime
    actor: str
    action: str
    subject: str
    data: Annotated[dict[str, Any], BeforeValidator(_json_object)]
    hash: str


T = TypeVar("T", bound=Item)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = Field(
        description="The cursor of the next page (pass it as `cursor`); null on the last page."
    )
    total: int = Field(description="How many rows match the filters, over all pages.")


class SeatPage(Page[SeatItem]):
    """A page of seats, by app and email."""


class SpendPage(Page[SpendItem]):
    """A page of apps, most overspend first."""


class RenewalPage(Page[RenewalItem]):
    """A page of renewals, soonest first."""


class RequestPage(Page[RequestItem]):
    """A page of requests, oldest first."""


class ReclaimPage(Page[ReclaimItem]):
    """A page of reclaim cases, oldest first."""


class AuditPage(Page[AuditItem]):
    """A page of audit events, in order."""


class ErrorBody(BaseModel):
    """What a refused request gets."""

    error: str
