"""Commands: what each workflow verb is asked to do, one type per verb.

What a person asks for in Slack is a pydantic `Command`, parsed and validated at the edge.
What Seatkeeper asks of itself (a pass, a job's outcome, an already checked import) is a frozen
dataclass: its data was checked where it was read, and a listing of thousands is not copied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict

from workflows.audit import SYNC, SYSTEM
from workflows.ports import PersonRecord, SeatRecord
from workflows.text import reason_problem, visible


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _typed(value: str) -> str:
    """A reason as typed, trimmed; refused when too long or holding control characters."""
    value = value.strip()
    problem = reason_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _said(value: str) -> str:
    if not visible(value):
        raise ValueError("Please say why you need it.")
    return value


def _optional(value: str | None) -> str | None:
    """Nothing visible is no reason at all (`decide` asks for one when denying)."""
    if value is None:
        return None
    value = _typed(value)
    return value if visible(value) else None


RequestReason = Annotated[str, AfterValidator(_typed), AfterValidator(_said)]
OptionalReason = Annotated[str | None, AfterValidator(_optional)]


class SubmitRequest(Command):
    requester: str
    app_key: str
    tier_key: str
    reason: RequestReason
    end_date: dt.date | None = None
    actor: str | None = None  # who asks on the requester's behalf (`scim:TOKEN`), if not them


class Decide(Command):
    request_id: int
    step_id: int
    actor: str
    approve: bool
    reason: OptionalReason = None


class CancelRequest(Command):
    request_id: int
    actor: str


class CompleteTask(Command):
    task_id: int
    actor: str


class QueueHomeRefresh(Command):
    user: str


class AnswerCase(Command):
    """A seat holder's (or an admin's) answer to "keep or release?"."""

    case_id: int
    actor: str
    choice: Literal["keep", "release", "downgrade"]


class ReleaseSeat(Command):
    """A holder gives up a seat unasked (App Home, `/license mine`)."""

    seat_id: int
    actor: str


class RequestBack(Command):
    """A holder asks for a seat they released (or that was reclaimed) back."""

    case_id: int
    actor: str


class DecideWave(Command):
    """An admin confirms (reclaims) or skips a review wave."""

    wave_id: int
    actor: str
    confirm: bool


class ExcludeFromWave(Command):
    """An admin takes one holder out of a review wave: their seat is kept."""

    wave_id: int
    case_id: int
    actor: str


@dataclass(frozen=True)
class Tick:
    """Remind silent approvers, escalate, expire and move the waitlist, as far as is due."""


SCHEDULE = "schedule"  # who asks for what a scheduled pass does


@dataclass(frozen=True)
class BuildDigest:
    """The IT channel's digest, for the schedule or an admin (`requested_by`)."""

    requested_by: str = SCHEDULE


@dataclass(frozen=True)
class NoticeAlerts:
    """Alert IT of contracts whose notice deadline is near (each threshold once)."""


@dataclass(frozen=True)
class ScanApp:
    """Ask idle holders of one app, remind the silent and reclaim what is due."""

    app_key: str


@dataclass(frozen=True)
class ReclaimLeavers:
    """Take back every seat of everyone the directory marks inactive."""


@dataclass(frozen=True)
class MarkPrompted:
    """A holder's question is about to be posted, with this deadline."""

    case_id: int
    deadline: dt.datetime


@dataclass(frozen=True)
class HolderUnreachable:
    """Slack cannot deliver a DM to a case's holder (deactivated, or not a member)."""

    case_id: int


@dataclass(frozen=True)
class RecordReleased:
    """The vendor (or IT, `actor`) removed or downgraded a case's seat."""

    case_id: int
    actor: str = SYSTEM


@dataclass(frozen=True)
class HandReleaseToIt:
    """Removing a case's seat failed for good or needs a person (`detail`: the vendor's words)."""

    case_id: int
    why: str
    detail: str | None = None


@dataclass(frozen=True)
class RecordProvisioned:
    """The vendor confirmed the seat of a request being set up."""

    request_id: int


@dataclass(frozen=True)
class HandProvisioningToIt:
    """The vendor call failed for good (`why`; `detail`: what the vendor said)."""

    request_id: int
    why: str
    detail: str | None = None


@dataclass(frozen=True)
class AddFoundSeats:
    """Add the seats of `records` (one per normal email) that the app has none for: a long
    listing's new seats, a batch per transaction, before it is reconciled. `listed` (every
    email of the listing, with the first batch) asks to refuse a listing removing most seats.
    """

    app_key: str
    records: Sequence[SeatRecord]
    listed: Collection[str] | None = None


@dataclass(frozen=True)
class ReconcileSeats:
    """Make one app's stored seats match the vendor's complete list (`records`).

    `listed_at`: when the vendor was read; `accept_removals`: an operator checked the removals.
    """

    app_key: str
    records: Sequence[SeatRecord]
    listed_at: dt.datetime | None = None
    accept_removals: bool = False


@dataclass(frozen=True)
class RecordUsage:
    """Last activity per email on one app's seats, and what those dates are (`activity`)."""

    app_key: str
    usage: Mapping[str, dt.date]
    activity: str


@dataclass(frozen=True)
class _Listing:
    """People as a directory source or a people file lists them, and how to take the list."""

    people: Sequence[PersonRecord]
    provides_org: bool = True  # False: the source knows no managers or departments (Slack)
    complete: bool = False  # the source's whole listing: whoever it no longer lists has left
    actor: str = SYNC


@dataclass(frozen=True)
class SyncPeople(_Listing):
    """Bring the directory up to date with a listing, all in one unit of work."""


@dataclass(frozen=True)
class MarkUnlistedLeft:
    """Whoever a complete, merged listing no longer lists has left."""

    listed: Sequence[PersonRecord]
    actor: str = SYNC


@dataclass(frozen=True)
class UpdatePeople(_Listing):
    """Insert or update one batch of a merged listing."""
