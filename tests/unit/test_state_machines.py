"""Every (state, event) pair of every transitions table in `workflows.states`."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import pytest

from workflows.model import JobStatus, RequestStatus, SeatStatus, StepStatus, TaskStatus
from workflows.states import JOB, REQUEST, SEAT, STEP, TASK, InvalidTransition, allows, next_state

Table = dict[tuple[Any, str], Any]

MACHINES: dict[str, tuple[Table, type[StrEnum], StrEnum, frozenset[StrEnum]]] = {
    # name: (table, its states, the state everything starts in, the states with no way out)
    "request": (
        REQUEST,
        RequestStatus,
        RequestStatus.PENDING,
        frozenset(
            {
                RequestStatus.FULFILLED,
                RequestStatus.DENIED,
                RequestStatus.CANCELLED,
                RequestStatus.EXPIRED,
            }
        ),
    ),
    "step": (
        STEP,
        StepStatus,
        StepStatus.UPCOMING,
        frozenset({StepStatus.APPROVED, StepStatus.DENIED, StepStatus.SKIPPED}),
    ),
    "seat": (
        SEAT,
        SeatStatus,
        SeatStatus.ACTIVE,
        frozenset({SeatStatus.REVOKED, SeatStatus.DOWNGRADED}),
    ),
    "task": (TASK, TaskStatus, TaskStatus.OPEN, frozenset({TaskStatus.DONE})),
    "job": (JOB, JobStatus, JobStatus.QUEUED, frozenset({JobStatus.DONE, JobStatus.DEAD})),
}


def events_of(table: Table) -> list[str]:
    return sorted({event for _, event in table})


def every_pair() -> list[tuple[str, StrEnum, str]]:
    return [
        (name, state, event)
        for name, (table, states, _, _) in MACHINES.items()
        for state in states
        for event in events_of(table)
    ]


def pair_id(value: object) -> str:
    return value.value if isinstance(value, StrEnum) else str(value)


@pytest.mark.parametrize(("machine", "state", "event"), every_pair(), ids=pair_id)
def test_every_pair_moves_to_the_tables_target_or_is_refused(
    machine: str, state: StrEnum, event: str
) -> None:
    table = MACHINES[machine][0]
    if (state, event) in table:
        assert next_state(table, state, event) is table[(state, event)]
        assert allows(table, state, event)
    else:
        with pytest.raises(InvalidTransition) as refused:
            next_state(table, state, event, machine)
        assert (refused.value.state, refused.value.event) == (state, event)
        assert str(refused.value) == f"{machine}: cannot {event} from {state.value}"
        assert not allows(table, state, event)


@pytest.mark.parametrize("machine", MACHINES)
def test_the_terminal_states_are_exactly_those_with_no_moves_out(machine: str) -> None:
    table, states, _, terminal = MACHINES[machine]
    without_moves = {s for s in states if not any(allows(table, s, e) for e in events_of(table))}
    assert without_moves == terminal


@pytest.mark.parametrize("machine", MACHINES)
def test_no_event_at_all_leaves_a_terminal_state(machine: str) -> None:
    table, _, _, terminal = MACHINES[machine]
    for state in terminal:
        for event in [*events_of(table), "unknown"]:
            with pytest.raises(InvalidTransition):
                next_state(table, state, event)


@pytest.mark.parametrize("machine", MACHINES)
def test_every_state_can_be_reached_from_the_first_one(machine: str) -> None:
    table, states, start, _ = MACHINES[machine]
    reached, frontier = {start}, [start]
    while frontier:
        state = frontier.pop()
        for (source, _), target in table.items():
            if source is state and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(states)


@pytest.mark.parametrize("machine", MACHINES)
def test_every_move_stays_within_one_kind_of_state(machine: str) -> None:
    table, states, _, _ = MACHINES[machine]
    for (source, _), target in table.items():
        assert isinstance(source, states)
        assert isinstance(target, states)


def test_a_refusal_names_the_kind_of_state_when_no_machine_is_given() -> None:
    with pytest.raises(InvalidTransition, match=r"^RequestStatus: cannot fulfil from pending$"):
        next_state(REQUEST, RequestStatus.PENDING, "fulfil")


def test_a_change_of_tier_keeps_the_seat_active() -> None:
    assert next_state(SEAT, SeatStatus.ACTIVE, "change_tier") is SeatStatus.ACTIVE


def test_an_escalated_step_cannot_be_escalated_again() -> None:
    with pytest.raises(InvalidTransition):
        next_state(STEP, StepStatus.ESCALATED, "escalate")


def test_a_waitlisted_request_cannot_expire_or_be_denied() -> None:
    for event in ("expire", "deny", "approve"):
        assert not allows(REQUEST, RequestStatus.WAITLISTED, event)
