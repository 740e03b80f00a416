"""State machines as data: one transitions table per workflow and one function to apply it."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from workflows.model import JobStatus, RequestStatus, SeatStatus, StepStatus, TaskStatus

S = TypeVar("S", bound=StrEnum)

REQUEST = {
    (RequestStatus.PENDING, "approve"): RequestStatus.APPROVED,
    (RequestStatus.PENDING, "deny"): RequestStatus.DENIED,
    (RequestStatus.PENDING, "cancel"): RequestStatus.CANCELLED,
    (RequestStatus.PENDING, "expire"): RequestStatus.EXPIRED,
    (RequestStatus.APPROVED, "allocate"): RequestStatus.PROVISIONING,
    (RequestStatus.APPROVED, "waitlist"): RequestStatus.WAITLISTED,
    (RequestStatus.WAITLISTED, "allocate"): RequestStatus.PROVISIONING,
    (RequestStatus.WAITLISTED, "cancel"): RequestStatus.CANCELLED,
    (RequestStatus.PROVISIONING, "fulfil"): RequestStatus.FULFILLED,
    (RequestStatus.PROVISIONING, "hand_to_it"): RequestStatus.MANUAL_TASK,
    (RequestStatus.MANUAL_TASK, "fulfil"): RequestStatus.FULFILLED,
}

STEP = {
    (StepStatus.UPCOMING, "start"): StepStatus.WAITING,
    (StepStatus.UPCOMING, "skip"): StepStatus.SKIPPED,
    (StepStatus.WAITING, "approve"): StepStatus.APPROVED,
    (StepStatus.WAITING, "deny"): StepStatus.DENIED,
    (StepStatus.WAITING, "escalate"): StepStatus.ESCALATED,
    (StepStatus.WAITING, "skip"): StepStatus.SKIPPED,
    (StepStatus.ESCALATED, "approve"): StepStatus.APPROVED,
    (StepStatus.ESCALATED, "deny"): StepStatus.DENIED,
    (StepStatus.ESCALATED, "skip"): StepStatus.SKIPPED,
}

SEAT = {
    (SeatStatus.ACTIVE, "release"): SeatStatus.RELEASING,
    (SeatStatus.ACTIVE, "change_tier"): SeatStatus.ACTIVE,
    (SeatStatus.RELEASING, "revoked"): SeatStatus.REVOKED,
    (SeatStatus.RELEASING, "downgraded"): SeatStatus.DOWNGRADED,
    # The vendor no longer lists the seat: someone removed it outside Seatkeeper.
    (SeatStatus.ACTIVE, "gone"): SeatStatus.REVOKED,
    (SeatStatus.RELEASING, "gone"): SeatStatus.REVOKED,
    (SeatStatus.RELEASING, "change_tier"): SeatStatus.RELEASING,
}

TASK = {(TaskStatus.OPEN, "done"): TaskStatus.DONE}

JOB = {
    (JobStatus.QUEUED, "claim"): JobStatus.RUNNING,
    (JobStatus.RUNNING, "succeed"): JobStatus.DONE,
    (JobStatus.RUNNING, "retry"): JobStatus.QUEUED,
    (JobStatus.RUNNING, "give_up"): JobStatus.DEAD,
    (JobStatus.RUNNING, "lease_expired"): JobStatus.QUEUED,
    (JobStatus.RUNNING, "release"): JobStatus.QUEUED,
}


class InvalidTransition(Exception):
    """An event that the state machine does not allow from the current state."""

    def __init__(self, machine: str, state: StrEnum, event: str) -> None:
        super().__init__(f"{machine}: cannot {event} from {state.value}")
        self.state = state
        self.event = event


def next_state(table: dict[tuple[S, str], S], state: S, event: str, machine: str = "") -> S:
    """The state after `event`, or InvalidTransition if the table has no such move."""
    try:
        return table[(state, event)]
    except KeyError:
        raise InvalidTransition(machine or type(state).__name__, state, event) from None


def allows(table: dict[tuple[S, str], S], state: S, event: str) -> bool:
    """True when the table has a move for `event` from `state`."""
    return (state, event) in table
