"""The state tables against the spec: the allowed moves are written out here, independently.

A move added to, removed from or changed in any production table (or a new event nobody
uses) fails one of these tests; every pair the spec does not list must be refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pytest

from workflows.errors import Refused
from workflows.model import (
    DECIDABLE_STEP_STATUSES,
    OPEN_CASE_STATUSES,
    OPEN_REQUEST_STATUSES,
    CaseStatus,
    JobStatus,
    RequestStatus,
    SeatStatus,
    StepStatus,
    TaskStatus,
    WaveStatus,
)
from workflows.states import (
    CASE,
    JOB,
    REQUEST,
    SEAT,
    STEP,
    TASK,
    WAVE,
    CaseEvent,
    InvalidTransition,
    JobEvent,
    RequestEvent,
    SeatEvent,
    StepEvent,
    TaskEvent,
    WaveEvent,
    allows,
    next_state,
)

Spec = dict[tuple[str, str], str]

REQUEST_SPEC: Spec = {
    ("pending", "approve"): "approved",
    ("pending", "deny"): "denied",
    ("pending", "cancel"): "cancelled",
    ("pending", "expire"): "expired",
    ("approved", "allocate"): "provisioning",
    ("approved", "waitlist"): "waitlisted",
    ("waitlisted", "allocate"): "provisioning",
    ("waitlisted", "cancel"): "cancelled",
    ("provisioning", "fulfil"): "fulfilled",
    ("provisioning", "hand_to_it"): "manual_task",
    ("manual_task", "fulfil"): "fulfilled",
}

STEP_SPEC: Spec = {
    ("upcoming", "start"): "waiting",
    ("upcoming", "skip"): "skipped",
    ("waiting", "approve"): "approved",
    ("waiting", "deny"): "denied",
    ("waiting", "escalate"): "escalated",
    ("waiting", "skip"): "skipped",
    ("escalated", "approve"): "approved",
    ("escalated", "deny"): "denied",
    ("escalated", "skip"): "skipped",
}

SEAT_SPEC: Spec = {
    ("active", "release"): "releasing",
    ("active", "change_tier"): "active",
    ("active", "gone"): "revoked",
    ("releasing", "revoked"): "revoked",
    ("releasing", "downgraded"): "downgraded",
    ("releasing", "gone"): "revoked",
    ("releasing", "change_tier"): "releasing",
}

TASK_SPEC: Spec = {("open", "done"): "done"}

JOB_SPEC: Spec = {
    ("queued", "claim"): "running",
    ("running", "succeed"): "done",
    ("running", "retry"): "queued",
    ("running", "give_up"): "dead",
    ("running", "lease_expired"): "queued",
    ("running", "release"): "queued",
    ("running", "defer"): "queued",
}

CASE_SPEC: Spec = {
    ("scheduled", "send"): "prompted",
    ("scheduled", "release"): "released",
    ("scheduled", "expire"): "reclaimed",
    ("scheduled", "skip"): "skipped",
    ("prompted", "remind"): "reminded",
    ("prompted", "keep"): "kept",
    ("prompted", "release"): "released",
    ("prompted", "expire"): "reclaimed",
    ("prompted", "review"): "in_review",
    ("prompted", "skip"): "skipped",
    ("reminded", "keep"): "kept",
    ("reminded", "release"): "released",
    ("reminded", "expire"): "reclaimed",
    ("reminded", "review"): "in_review",
    ("reminded", "skip"): "skipped",
    ("in_review", "keep"): "kept",
    ("in_review", "release"): "released",
    ("in_review", "confirm"): "reclaimed",
    ("in_review", "skip"): "skipped",
}

WAVE_SPEC: Spec = {("open", "confirm"): "confirmed", ("open", "skip"): "skipped"}


@dataclass(frozen=True)
class Machine:
    table: Mapping[Any, Any]
    states: type[StrEnum]
    events: type[StrEnum]
    spec: Spec


MACHINES = {
    "request": Machine(REQUEST, RequestStatus, RequestEvent, REQUEST_SPEC),
    "step": Machine(STEP, StepStatus, StepEvent, STEP_SPEC),
    "seat": Machine(SEAT, SeatStatus, SeatEvent, SEAT_SPEC),
    "task": Machine(TASK, TaskStatus, TaskEvent, TASK_SPEC),
    "job": Machine(JOB, JobStatus, JobEvent, JOB_SPEC),
    "case": Machine(CASE, CaseStatus, CaseEvent, CASE_SPEC),
    "wave": Machine(WAVE, WaveStatus, WaveEvent, WAVE_SPEC),
}


def spec_moves() -> list[tuple[str, str, str, str]]:
    return [
        (name, state, event, target)
        for name, machine in MACHINES.items()
        for (state, event), target in machine.spec.items()
    ]


def refused_pairs() -> list[tuple[str, str, str]]:
    return [
        (name, state.value, event.value)
        for name, machine in MACHINES.items()
        for state in machine.states
        for event in machine.events
        if (state.value, event.value) not in machine.spec
    ]


@pytest.mark.parametrize(("machine", "state", "event", "target"), spec_moves())
def test_every_move_of_the_spec_reaches_the_spec_target(
    machine: str, state: str, event: str, target: str
) -> None:
    m = MACHINES[machine]
    assert allows(m.table, m.states(state), m.events(event))
    assert next_state(m.table, m.states(state), m.events(event)) == m.states(target)


@pytest.mark.parametrize(("machine", "state", "event"), refused_pairs())
def test_every_pair_the_spec_does_not_list_is_refused(machine: str, state: str, event: str) -> None:
    m = MACHINES[machine]
    assert not allows(m.table, m.states(state), m.events(event))
    with pytest.raises(InvalidTransition):
        next_state(m.table, m.states(state), m.events(event), machine)


@pytest.mark.parametrize("machine", MACHINES)
def test_each_table_holds_exactly_the_moves_of_the_spec(machine: str) -> None:
    m = MACHINES[machine]
    written = {
        (state.value, event.value): target.value for (state, event), target in m.table.items()
    }
    assert written == m.spec


@pytest.mark.parametrize("machine", MACHINES)
def test_each_machine_has_exactly_the_events_its_spec_uses(machine: str) -> None:
    m = MACHINES[machine]
    assert {event.value for event in m.events} == {event for _, event in m.spec}


@pytest.mark.parametrize("machine", MACHINES)
def test_each_machine_has_exactly_the_states_its_spec_names(machine: str) -> None:
    m = MACHINES[machine]
    named = {state for state, _ in m.spec} | set(m.spec.values())
    assert {state.value for state in m.states} == named


def test_the_steps_awaiting_a_decision_are_those_the_spec_lets_be_approved_or_denied() -> None:
    approvable = {state for (state, event) in STEP_SPEC if event == "approve"}
    deniable = {state for (state, event) in STEP_SPEC if event == "deny"}
    assert {s.value for s in DECIDABLE_STEP_STATUSES} == approvable == deniable


def test_the_open_requests_are_those_the_spec_lets_move_on() -> None:
    movable = {state for state, _ in REQUEST_SPEC}
    assert {s.value for s in OPEN_REQUEST_STATUSES} == movable


def test_a_refused_move_tells_the_person_in_words_what_is_in_the_way() -> None:
    with pytest.raises(Refused) as refused:
        next_state(REQUEST, RequestStatus.MANUAL_TASK, RequestEvent.CANCEL, "request")
    assert refused.value.message == "That can't be done now: this request is manual task."
    assert str(refused.value) == "request: cannot cancel from manual_task"


def test_a_refusal_names_what_kind_of_thing_is_in_the_way() -> None:
    with pytest.raises(Refused, match=r"^step: cannot start from escalated$") as refused:
        next_state(STEP, StepStatus.ESCALATED, StepEvent.START, "step")
    assert refused.value.message == "That can't be done now: this approval step is escalated."


def test_the_open_seat_questions_are_those_the_spec_lets_move_on() -> None:
    movable = {state for state, _ in CASE_SPEC}
    assert {s.value for s in OPEN_CASE_STATUSES} == movable
