"""A job about a request, step or task that no longer exists ends at once, and quietly."""

from __future__ import annotations

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
    "the requester's thread": (jobs.REQUESTER_UPDATE, {"request_id": MISSING, "event": "denied"}),
    "asking the approvers": (jobs.APPROVERS_ASK, {"request_id": MISSING, "step_id": 1}),
    "closing a missing step": (jobs.APPROVERS_CLOSE, {"request_id": 1, "step_id": MISSING}),
    "a reminder": (jobs.APPROVERS_REMIND, {"approver": "U0DANA001", "items": [[MISSING, 1]]}),
    "the vendor call": (jobs.PROVISION, {"request_id": MISSING}),
    "marking an IT task done": (jobs.IT_TASK_DONE, {"task_id": MISSING}),
    "the IT channel's waitlist notice": (
        jobs.IT_NOTICE,
        {"event": "waitlisted", "request_id": MISSING},
    ),
}


def queue(
    kind: str, payload: dict[str, Any], *, uow: UnitOfWork, config: Config, clock: Clock
) -> int:
    job = jobs.enqueue(uow, clock, kind, f"vanished:{kind}", **payload)
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


@pytest.mark.parametrize(("kind", "payload"), VANISHED.values(), ids=VANISHED.keys())
def test_a_job_whose_subject_no_longer_exists_ends_at_once_without_alarming_it(
    world: World, kind: str, payload: dict[str, Any]
) -> None:
    world.request(ALICE, "miro:standard")  # request 1 exists; nothing else the jobs name does
    world.drain()
    job_id = world.app.runner(queue, kind, payload)

    world.drain()
    for _ in range(3):
        world.clock.advance(hours=2)
        world.drain()

    job = job_row(world, job_id)
    assert (job.status, job.attempts) == (JobStatus.DEAD, 1)
    assert "is gone" in (job.last_error or "")
    assert not it_told_of_death(world, job_id)
    assert world.slack.messages(IT_CHANNEL) == []
