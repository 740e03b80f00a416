"""Domain models: people, requests and their approval steps, seats, reclaim cases and waves,
IT tasks, jobs, audit, API tokens.

Plain dataclasses; `store` maps them onto tables without the domain knowing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    WAITLISTED = "waitlisted"
    PROVISIONING = "provisioning"
    MANUAL_TASK = "manual_task"
    FULFILLED = "fulfilled"
    DENIED = "denied"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


OPEN_REQUEST_STATUSES = frozenset(
    {
        RequestStatus.PENDING,
        RequestStatus.APPROVED,
        RequestStatus.WAITLISTED,
        RequestStatus.PROVISIONING,
        RequestStatus.MANUAL_TASK,
    }
)


class StepStatus(StrEnum):
    UPCOMING = "upcoming"
    WAITING = "waiting"
    ESCALATED = "escalated"
    APPROVED = "approved"
    DENIED = "denied"
    SKIPPED = "skipped"


DECIDABLE_STEP_STATUSES = frozenset({StepStatus.WAITING, StepStatus.ESCALATED})


class SeatStatus(StrEnum):
    ACTIVE = "active"
    RELEASING = "releasing"
    REVOKED = "revoked"
    DOWNGRADED = "downgraded"


class CaseKind(StrEnum):
    """Why a seat is being taken back (or asked about)."""

    IDLE = "idle"  # unused for the app's idle_days: the holder is asked keep or release
    ENDING = "ending"  # granted until an end date, which is near
    LEAVER = "leaver"  # the holder left: reclaimed without asking
    RELEASE = "release"  # the holder gave it up unasked (App Home, /license mine)


class CaseStatus(StrEnum):
    SCHEDULED = "scheduled"  # decided to ask; the DM waits for the holder's working hours
    PROMPTED = "prompted"
    REMINDED = "reminded"
    IN_REVIEW = "in_review"  # the deadline passed; IT confirms in a wave
    KEPT = "kept"
    RELEASED = "released"  # the holder released or downgraded it
    RECLAIMED = "reclaimed"  # taken back: silence, IT's confirmation, a leaver or an end date
    SKIPPED = "skipped"  # closed without taking the seat (used again, excluded, extended)


OPEN_CASE_STATUSES = frozenset(
    {CaseStatus.SCHEDULED, CaseStatus.PROMPTED, CaseStatus.REMINDED, CaseStatus.IN_REVIEW}
)


class WaveStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    SKIPPED = "skipped"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class TokenScope(StrEnum):
    """What an API token may be used for."""

    API = "api"  # the read-only REST API under /api/v1/
    SCIM = "scim"  # identity providers pushing users to /scim/v2


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"


# Jobs not finished with: a job of a queue waits while an earlier one of its queue is open.
OPEN_JOB_STATUSES = (JobStatus.QUEUED, JobStatus.RUNNING)


def normal_email(email: str) -> str:
    """An email as Seatkeeper stores and compares it: trimmed and lowercase."""
    return email.strip().lower()


@dataclass(eq=False)
class Person:
    email: str
    name: str = ""
    slack_user_id: str | None = None
    manager_email: str | None = None
    department: str = ""
    active: bool = True
    in_directory: bool = False  # listed by the directory source (so its absence means a leaver)
    external_id: str | None = None  # the identity provider's id for them (SCIM externalId)
    pushed_at: dt.datetime | None = None  # last pushed by an identity provider over SCIM
    deleted_at: dt.datetime | None = None  # deleted over SCIM: kept for history, not listed
    id: int | None = None

    def __post_init__(self) -> None:
        # Stored emails are always normal, so lookups compare the plain (indexed) column.
        self.email = normal_email(self.email)
        self.manager_email = normal_email(self.manager_email) if self.manager_email else None


@dataclass(frozen=True)
class ApprovalMessage:
    """Where a step's approver was asked: a Slack message, or none that Slack could deliver."""

    channel: str
    ts: str
    approver: str

    @classmethod
    def undeliverable(cls, approver: str) -> ApprovalMessage:
        """Asked, but Slack cannot deliver to them (deactivated or unknown)."""
        return cls("", "", approver)

    @property
    def delivered(self) -> bool:
        """True when there is a message in Slack to reply to or update."""
        return bool(self.channel)


@dataclass(eq=False)
class ApprovalStep:
    position: int
    rule: str
    status: StepStatus = StepStatus.UPCOMING
    approvers: list[str] = field(default_factory=list)
    started_at: dt.datetime | None = None
    reminded_at: dt.datetime | None = None
    escalated_at: dt.datetime | None = None
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    reason: str | None = None
    messages: list[ApprovalMessage] = field(default_factory=list)
    request_id: int | None = None
    id: int | None = None


@dataclass(eq=False)
class Request:
    requester: str
    app_key: str
    tier_key: str
    reason: str
    created_at: dt.datetime
    expires_at: dt.datetime
    end_date: dt.date | None = None
    status: RequestStatus = RequestStatus.PENDING
    updated_at: dt.datetime | None = None
    approved_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    thread_channel: str | None = None
    thread_ts: str | None = None
    steps: list[ApprovalStep] = field(default_factory=list)
    version: int = 0
    id: int | None = None

    @property
    def is_open(self) -> bool:
        """True while the request still needs something to happen."""
        return self.status in OPEN_REQUEST_STATUSES

    def current_step(self) -> ApprovalStep | None:
        """The step waiting for a decision, if any."""
        return next((s for s in self.steps if s.status in DECIDABLE_STEP_STATUSES), None)


@dataclass(eq=False)
class Seat:
    app_key: str
    tier_key: str
    email: str
    status: SeatStatus = SeatStatus.ACTIVE
    slack_user_id: str | None = None
    assigned_on: dt.date | None = None
    last_active_on: dt.date | None = None
    ended_on: dt.date | None = None
    request_id: int | None = None
    paid_until: dt.date | None = None  # removed at the vendor, still billed until then
    recorded_at: dt.datetime | None = None  # when Seatkeeper first recorded this seat
    end_date: dt.date | None = None  # granted until then (a request's end date)
    activity_source: str | None = None  # what `last_active_on` is, e.g. "last sign-in"
    snoozed_until: dt.datetime | None = None  # the holder chose to keep it: not asked before
    id: int | None = None

    def __post_init__(self) -> None:
        self.email = normal_email(self.email)  # as for people: lookups rely on it


@dataclass(eq=False)
class Task:
    kind: str
    summary: str
    why: str  # Seatkeeper's own words (mrkdwn: may mention people)
    created_at: dt.datetime
    request_id: int | None = None
    status: TaskStatus = TaskStatus.OPEN
    channel: str | None = None
    ts: str | None = None
    done_by: str | None = None
    done_at: dt.datetime | None = None
    detail: str | None = None  # a vendor's own words, never mrkdwn: they mention nobody
    case_id: int | None = None  # the reclaim case a removal or downgrade task finishes
    id: int | None = None


@dataclass(eq=False)
class ReclaimCase:
    """One question about one seat (or one removal): asked once, answered or decided once.

    `action` is what taking the seat back does ("revoke" or "downgrade" to `to_tier`);
    `monthly_saving` and `completed_at` are set once the vendor (or IT) confirmed it.
    """

    seat_id: int
    app_key: str
    tier_key: str
    email: str
    kind: CaseKind
    opened_at: dt.datetime
    holder: str | None = None  # the holder's Slack user id
    status: CaseStatus = CaseStatus.SCHEDULED
    last_active_on: dt.date | None = None  # the evidence when the case was opened
    activity_source: str | None = None
    waiting: bool = False  # opened because a colleague waits for a seat of this app
    deadline: dt.datetime | None = None
    prompted_at: dt.datetime | None = None
    reminded_at: dt.datetime | None = None
    channel: str | None = None  # the holder's DM with the question
    ts: str | None = None
    answered_by: str | None = None
    answered_at: dt.datetime | None = None
    action: str | None = None
    to_tier: str | None = None
    wave_id: int | None = None
    closed_at: dt.datetime | None = None
    note: str | None = None  # why it closed without taking the seat
    monthly_saving: Decimal | None = None
    completed_at: dt.datetime | None = None
    requested_back: int | None = None  # the request that gave the seat back
    version: int = 0
    id: int | None = None

    @property
    def is_open(self) -> bool:
        """True while the seat may still be kept, released or taken back."""
        return self.status in OPEN_CASE_STATUSES


@dataclass(eq=False)
class ReclaimWave:
    """An app's idle seats past their deadline, for IT to confirm or skip together."""

    app_key: str
    created_at: dt.datetime
    status: WaveStatus = WaveStatus.OPEN
    channel: str | None = None
    ts: str | None = None
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    version: int = 0
    id: int | None = None


@dataclass(eq=False)
class DigestRecord:
    """A digest as it was posted (its figures are what the next one compares with)."""

    created_at: dt.datetime
    requested_by: str  # "schedule", or the admin who asked for it
    payload: dict[str, Any]
    id: int | None = None


@dataclass(eq=False)
class Job:
    kind: str
    key: str
    payload: dict[str, Any]
    run_after: dt.datetime
    status: JobStatus = JobStatus.QUEUED
    attempts: int = 0
    max_attempts: int = 8
    leased_until: dt.datetime | None = None
    lease_holder: str | None = None
    claims: int = 0  # times a worker started it; above 1, its effect may already have happened
    last_error: str | None = None
    created_at: dt.datetime | None = None
    queue: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """An audit event as a unit of work stages it, numbered and chained when it commits.

    A plain value, not the stored `AuditEvent`: a sync that finds thousands of seats stages
    as many entries, and the log writes them with one statement.
    """

    at: dt.datetime
    actor: str
    action: str
    subject: str
    data: dict[str, Any]


@dataclass(eq=False)
class AuditEvent:
    at: dt.datetime
    actor: str
    action: str
    subject: str
    data: dict[str, Any] = field(default_factory=dict)
    seq: int | None = None
    prev_hash: str | None = None
    hash: str | None = None


@dataclass(eq=False)
class ApiToken:
    """A named credential for Seatkeeper's HTTP APIs; only its secret's SHA-256 hash is kept."""

    name: str
    scope: TokenScope
    token_hash: str = field(repr=False)
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None
    id: int | None = None

    @property
    def revoked(self) -> bool:
        """True once the token was revoked: it is refused from then on."""
        return self.revoked_at is not None


@dataclass(eq=False)
class GroupMember:
    """One person in one SCIM group."""

    person_id: int
    group_id: int | None = None


@dataclass(eq=False)
class Group:
    """A group an identity provider pushed over SCIM, and the people in it."""

    display_name: str
    created_at: dt.datetime
    updated_at: dt.datetime
    external_id: str | None = None
    members: list[GroupMember] = field(default_factory=list)
    id: int | None = None
    version: int = 0

    @property
    def member_ids(self) -> list[int]:
        """The members' person ids."""
        return [member.person_id for member in self.members]
