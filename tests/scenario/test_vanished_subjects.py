"""Jobs that can never succeed end at once: quietly when the request, step or task they are
about no longer exists, telling IT when their payload does not fit their kind's model."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from store import tables
from tests.scenario.world import ALICE, IT_CHANNEL, World
from workflows import jobs
from workflows.catalog import Config
from workflows.model import Job, JobStatus
from workflows.ports import Clock, UnitOfWork

MISSING = 404
VANISHED = {
    "the requester's thread": jobs.RequesterUpdate(request_id=MISSING, event="denied"),
    "asking the approvers": jobs.ApproversAsk(request_id=MISSING, step_id=1),
    "closing a missing step": jobs.ApproversClose(request_id=1, step_id=MISSING),
    "a reminder": jobs.ApproversRemind(approver="U0DANA001", items=((MISSING, 1),)),
    "the vendor call": jobs.Provision(request_id=MISSING),
    "marking an IT task done": jobs.ITTaskDone(task_id=MISSING),
    "the IT channel's waitlist notice": jobs.ITNotice(event="waitlisted", request_id=MISSING),
}


@dataclass(frozen=True)
class Queue:
    payload: jobs.Payload


def queue(cmd: Queue, *, uow: UnitOfWork, config: Config, clock: Clock) -> int:
    job = jobs.enqueue(uow, clock, cmd.payload, f"vanished:{cmd.payload.kind}")
    assert job is not None
    uow.flush()
    return job.id or 0


def job_row(world: World, job_id: int) -> Job:
    with world.app.runner.uow() as uow:
        job = uow.jobs.get(job_id)
        assert job is not None
        return job


def it_told_of_death(world: World, job_id: int) -> bool:
    key = f"{jobs.IT_NOTICE}:dead:{job_id}"
    with world.app.engine.connect() as connection:
        found = connection.execute(select(tables.jobs.c.id).where(tables.jobs.c.key == key))
        return found.first() is not None


@pytest.mark.parametrize("payload", VANISHED.values(), ids=VANISHED.keys())
def test_a_job_whose_subject_no_longer_exists_ends_at_once_without_alarming_it(
    world: World, payload: jobs.Payload
) -> None:
    world.request(ALICE, "miro:standard")  # request 1 exists; nothing else the jobs name does
    world.drain()
    job_id = world.app.runner(queue, Queue(payload))

    world.drain()
    for _ in range(3):
        world.clock.advance(hours=2)
        world.drain()

    job = job_row(world, job_id)
    assert (job.status, job.attempts) == (JobStatus.DEAD, 1)
    assert "is gone" in (job.last_error or "")
    assert not it_told_of_death(world, job_id)
    assert world.slack.messages(IT_CHANNEL) == []


UNFIT = {
    "a field missing": (jobs.REQUESTER_UPDATE, {"event": "denied"}, "request_id: Field required"),
    "a field of another type": (
        jobs.PROVISION,
        {"request_id": "one"},
        "request_id: Input should be a valid integer",
    ),
    "a field the model does not know": (
        jobs.APPROVERS_ASK,
        {"request_id": 1, "step_id": 1, "colour": "crimson"},
        "colour: Extra inputs are not permitted",
    ),
}


@dataclass(frozen=True)
class QueueAsStored:
    kind: str
    payload: dict[str, Any]


def queue_as_stored(cmd: QueueAsStored, *, uow: UnitOfWork, config: Config, clock: Clock) -> int:
    job = Job(cmd.kind, f"{cmd.kind}:unfit", cmd.payload, run_after=clock.now())
    assert uow.jobs.add(job)
    uow.flush()
    return job.id or 0


@pytest.mark.parametrize(("kind", "payload", "fault"), UNFIT.values(), ids=UNFIT.keys())
def test_a_job_whose_payload_does_not_fit_its_model_is_given_up_at_once_and_it_is_told(
    world: World, kind: str, payload: dict[str, Any], fault: str
) -> None:
    world.request(ALICE, "miro:standard")  # request 1 and its step 1 exist
    world.drain()
    job_id = world.app.runner(queue_as_stored, QueueAsStored(kind, payload))

    world.drain()

    job = job_row(world, job_id)
    assert (job.status, job.attempts) == (JobStatus.DEAD, 1)
    assert f"BadPayload: the payload does not fit a {kind} job: {fault}" in (job.last_error or "")
    assert it_told_of_death(world, job_id)
    told = [m["text"] for m in world.slack.messages(IT_CHANNEL)]
    assert [t for t in told if f"gave up on a {kind} job (#{job_id}) after 1 tries" in t]
