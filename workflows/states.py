"""State machines as data: one transitions table per workflow and one function to apply it.

Each machine has its own enum of events, so a table only takes its own events: handing the
request table a step's event (or a bare string) is a type error.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final, TypeVar

# Raised here; it lives in the domain's error tree, which the edge turns into words.
from workflows.errors import InvalidTransition as InvalidTransition
from workflows.model import (
    CaseStatus,
    JobStatus,
    RequestStatus,
    SeatStatus,
    StepStatus,
    TaskStatus,
    WaveStatus,
)

S = TypeVar("S", bound=StrEnum)
E = TypeVar("E", bound=StrEnum)
# Keys are invariant in a Mapping, so the state and event types must be the table's own.
Table = Mapping[tuple[S, E], S]


class RequestEvent(StrEnum):
    APPROVE = "approve"
    DENY = "deny"
    CANCEL = "cancel"
    EXPIRE = "expire"
    ALLOCATE = "allocate"
    WAITLIST = "waitlist"
    FULFIL = "fulfil"
    HAND_TO_IT = "hand_to_it"


class StepEvent(StrEnum):
    START = "start"
    SKIP = "skip"
    APPROVE = "approve"
    DENY = "deny"
    ESCALATE = "escalate"


class SeatEvent(StrEnum):
    RELEASE = "release"
    CHANGE_TIER = "change_tier"
    REVOKED = "revoked"
    DOWNGRADED = "downgraded"
    GONE = "gone"


class CaseEvent(StrEnum):
    SEND = "send"
    REMIND = "remind"
    KEEP = "keep"
    RELEASE = "release"
    EXPIRE = "expire"
    REVIEW = "review"
    CONFIRM = "confirm"
    SKIP = "skip"


class WaveEvent(StrEnum):
    CONFIRM = "confirm"
    SKIP = "skip"


class TaskEvent(StrEnum):
    DONE = "done"


class JobEvent(StrEnum):
    CLAIM = "claim"
    SUCCEED = "succeed"
    RETRY = "retry"
    GIVE_UP = "give_up"
    LEASE_EXPIRED = "lease_expired"
    RELEASE = "release"
    DEFER = "defer"


REQUEST: Final[Table[RequestStatus, RequestEvent]] = MappingProxyType(
    {
        (RequestStatus.PENDING, RequestEvent.APPROVE): RequestStatus.APPROVED,
        (RequestStatus.PENDING, RequestEvent.DENY): RequestStatus.DENIED,
        (RequestStatus.PENDING, RequestEvent.CANCEL): RequestStatus.CANCELLED,
        (RequestStatus.PENDING, RequestEvent.EXPIRE): RequestStatus.EXPIRED,
        (RequestStatus.APPROVED, RequestEvent.ALLOCATE): RequestStatus.PROVISIONING,
        (RequestStatus.APPROVED, RequestEvent.WAITLIST): RequestStatus.WAITLISTED,
        (RequestStatus.WAITLISTED, RequestEvent.ALLOCATE): RequestStatus.PROVISIONING,
        (RequestStatus.WAITLISTED, RequestEvent.CANCEL): RequestStatus.CANCELLED,
        (RequestStatus.PROVISIONING, RequestEvent.FULFIL): RequestStatus.FULFILLED,
        (RequestStatus.PROVISIONING, RequestEvent.HAND_TO_IT): RequestStatus.MANUAL_TASK,
        (RequestStatus.MANUAL_TASK, RequestEvent.FULFIL): RequestStatus.FULFILLED,
    }
)

STEP: Final[Table[StepStatus, StepEvent]] = MappingProxyType(
    {
        (StepStatus.UPCOMING, StepEvent.START): StepStatus.WAITING,
        (StepStatus.UPCOMING, StepEvent.SKIP): StepStatus.SKIPPED,
        (StepStatus.WAITING, StepEvent.APPROVE): StepStatus.APPROVED,
        (StepStatus.WAITING, StepEvent.DENY): StepStatus.DENIED,
        (StepStatus.WAITING, StepEvent.ESCALATE): StepStatus.ESCALATED,
        (StepStatus.WAITING, StepEvent.SKIP): StepStatus.SKIPPED,
        (StepStatus.ESCALATED, StepEvent.APPROVE): StepStatus.APPROVED,
        (StepStatus.ESCALATED, StepEvent.DENY): StepStatus.DENIED,
        (StepStatus.ESCALATED, StepEvent.SKIP): StepStatus.SKIPPED,
    }
)

SEAT: Final[Table[SeatStatus, SeatEvent]] = MappingProxyType(
    {
        (SeatStatus.ACTIVE, SeatEvent.RELEASE): SeatStatus.RELEASING,
        (SeatStatus.ACTIVE, SeatEvent.CHANGE_TIER): SeatStatus.ACTIVE,
        (SeatStatus.RELEASING, SeatEvent.REVOKED): SeatStatus.REVOKED,
        (SeatStatus.RELEASING, SeatEvent.DOWNGRADED): SeatStatus.DOWNGRADED,
        # The vendor no longer lists the seat: someone removed it outside Seatkeeper.
        (SeatStatus.ACTIVE, SeatEvent.GONE): SeatStatus.REVOKED,
        (SeatStatus.RELEASING, SeatEvent.GONE): SeatStatus.REVOKED,
        (SeatStatus.RELEASING, SeatEvent.CHANGE_TIER): SeatStatus.RELEASING,
    }
)

CASE: Final[Table[CaseStatus, CaseEvent]] = MappingProxyType(
    {
        (CaseStatus.SCHEDULED, CaseEvent.SEND): CaseStatus.PROMPTED,
        (CaseStatus.SCHEDULED, CaseEvent.RELEASE): CaseStatus.RELEASED,
        # An end date reached before its notice could go out: the seat ends all the same.
        (CaseStatus.SCHEDULED, CaseEvent.EXPIRE): CaseStatus.RECLAIMED,
        (CaseStatus.SCHEDULED, CaseEvent.SKIP): CaseStatus.SKIPPED,
        (CaseStatus.PROMPTED, CaseEvent.REMIND): CaseStatus.REMINDED,
        (CaseStatus.PROMPTED, CaseEvent.KEEP): CaseStatus.KEPT,
        (CaseStatus.PROMPTED, CaseEvent.RELEASE): CaseStatus.RELEASED,
        (CaseStatus.PROMPTED, CaseEvent.EXPIRE): CaseStatus.RECLAIMED,
        (CaseStatus.PROMPTED, CaseEvent.REVIEW): CaseStatus.IN_REVIEW,
        (CaseStatus.PROMPTED, CaseEvent.SKIP): CaseStatus.SKIPPED,
        (CaseStatus.REMINDED, CaseEvent.KEEP): CaseStatus.KEPT,
        (CaseStatus.REMINDED, CaseEvent.RELEASE): CaseStatus.RELEASED,
        (CaseStatus.REMINDED, CaseEvent.EXPIRE): CaseStatus.RECLAIMED,
        (CaseStatus.REMINDED, CaseEvent.REVIEW): CaseStatus.IN_REVIEW,
        (CaseStatus.REMINDED, CaseEvent.SKIP): CaseStatus.SKIPPED,
        # In review the seat is still the holder's: they may still answer.
        (CaseStatus.IN_REVIEW, CaseEvent.KEEP): CaseStatus.KEPT,
        (CaseStatus.IN_REVIEW, CaseEvent.RELEASE): CaseStatus.RELEASED,
        (CaseStatus.IN_REVIEW, CaseEvent.CONFIRM): CaseStatus.RECLAIMED,
        (CaseStatus.IN_REVIEW, CaseEvent.SKIP): CaseStatus.SKIPPED,
    }
)

WAVE: Final[Table[WaveStatus, WaveEvent]] = MappingProxyType(
    {
        (WaveStatus.OPEN, WaveEvent.CONFIRM): WaveStatus.CONFIRMED,
        (WaveStatus.OPEN, WaveEvent.SKIP): WaveStatus.SKIPPED,
    }
)

TASK: Final[Table[TaskStatus, TaskEvent]] = MappingProxyType(
    {(TaskStatus.OPEN, TaskEvent.DONE): TaskStatus.DONE}
)

JOB: Final[Table[JobStatus, JobEvent]] = MappingProxyType(
    {
        (JobStatus.QUEUED, JobEvent.CLAIM): JobStatus.RUNNING,
        (JobStatus.RUNNING, JobEvent.SUCCEED): JobStatus.DONE,
        (JobStatus.RUNNING, JobEvent.RETRY): JobStatus.QUEUED,
        (JobStatus.RUNNING, JobEvent.GIVE_UP): JobStatus.DEAD,
        (JobStatus.RUNNING, JobEvent.LEASE_EXPIRED): JobStatus.QUEUED,
        (JobStatus.RUNNING, JobEvent.RELEASE): JobStatus.QUEUED,
        # Not due yet (a DM waiting for its reader's working hours): no failure, no attempt.
        (JobStatus.RUNNING, JobEvent.DEFER): JobStatus.QUEUED,
    }
)

# What each kind of state belongs to, in the words a refusal uses.
THINGS: Final[Mapping[type[StrEnum], str]] = MappingProxyType(
    {
        RequestStatus: "request",
        StepStatus: "approval step",
        SeatStatus: "seat",
        TaskStatus: "task",
        JobStatus: "job",
        CaseStatus: "seat question",
        WaveStatus: "reclaim wave",
    }
)


def next_state(table: Table[S, E], state: S, event: E, machine: str = "") -> S:
    """The state after `event`, or InvalidTransition if the table has no such move."""
    try:
        return table[(state, event)]
    except KeyError:
        kind = type(state)
        thing = THINGS.get(kind, "item")
        raise InvalidTransition(machine or kind.__name__, state, event, thing=thing) from None


def allows(table: Table[S, E], state: S, event: E) -> bool:
    """True when the table has a move for `event` from `state`."""
    return (state, event) in table
