"""Durable side effects: job kinds, how they are queued, and the retry policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from workflows.model import Job
from workflows.ports import Clock, UnitOfWork
from workflows.states import JOB, JobEvent, allows, next_state

REQUESTER_UPDATE = "requester.update"
APPROVERS_ASK = "approvers.ask"
APPROVERS_CLOSE = "approvers.close"
APPROVERS_REMIND = "approvers.remind"
IT_TASK = "it.task"
IT_TASK_DONE = "it.task_done"
IT_NOTICE = "it.notice"
PROVISION = "provision"
HOME_REFRESH = "home.refresh"

# Jobs that call a vendor: they run beside the Slack messages, so a hung vendor delays no DM.
VENDOR_KINDS = frozenset({PROVISION})

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600


def enqueue(uow: UnitOfWork, clock: Clock, kind: str, key: str, **payload: Any) -> Job | None:
    """Queue a side effect in the current transaction; a repeated key is ignored (None).

    Jobs that must stay in order share a queue and run one after another (see `queue_of`).
    """
    job = Job(
        kind=kind,
        key=f"{kind}:{key}",
        payload=payload,
        run_after=clock.now(),
        created_at=clock.now(),
        queue=queue_of(kind, payload),
    )
    return job if uow.jobs.add(job) else None


def queue_of(kind: str, payload: dict[str, Any]) -> str | None:
    """The ordering queue of a job, narrow enough that one stuck job holds up little.

    A requester's thread updates run in order (replies never overtake the first message);
    a step's approval messages are posted before they are closed; an IT task is posted
    before it is marked done. The vendor call of a request waits for none of them.
    """
    if kind == REQUESTER_UPDATE:
        return f"request:{payload['request_id']}"
    if kind in (APPROVERS_ASK, APPROVERS_CLOSE):
        return f"step:{payload['step_id']}"
    if kind in (IT_TASK, IT_TASK_DONE):
        return f"task:{payload['task_id']}"
    if kind == PROVISION:
        return f"provision:{payload['request_id']}"
    return None


def retry_delay(attempts: int, retry_after: float | None = None) -> dt.timedelta:
    """Exponential backoff after `attempts` failures, never shorter than the vendor asked."""
    delay = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)
    return dt.timedelta(seconds=max(delay, retry_after or 0))


def claim(job: Job, *, now: dt.datetime, lease: dt.timedelta, holder: str) -> None:
    """Lease `job` to `holder` until now+lease; a lease that ran out is taken over."""
    if allows(JOB, job.status, JobEvent.LEASE_EXPIRED):
        job.status = next_state(JOB, job.status, JobEvent.LEASE_EXPIRED)
    job.status = next_state(JOB, job.status, JobEvent.CLAIM)
    job.leased_until, job.lease_holder = now + lease, holder
    job.claims += 1


def succeed(job: Job) -> None:
    """The job's effect happened."""
    job.status = next_state(JOB, job.status, JobEvent.SUCCEED)
    job.leased_until = None


def fail(job: Job, error: str, *, now: dt.datetime, retry_after: float | None, final: bool) -> bool:
    """Record a failed try: run again after a backoff, or give up; True when given up."""
    job.attempts += 1
    job.last_error = error[:2000]
    give_up = final or job.attempts >= job.max_attempts
    job.status = next_state(JOB, job.status, JobEvent.GIVE_UP if give_up else JobEvent.RETRY)
    job.run_after = now + retry_delay(job.attempts, retry_after)
    job.leased_until = None
    return give_up


def release(job: Job) -> None:
    """Hand a running job back to the queue at once (its holder is stopping)."""
    job.status = next_state(JOB, job.status, JobEvent.RELEASE)
    job.leased_until, job.lease_holder = None, None


def queue_home_refresh(user: str, *, uow: UnitOfWork, clock: Clock, **_: Any) -> None:
    """Re-publish someone's App Home after the ack (never while Slack waits for it)."""
    enqueue(uow, clock, HOME_REFRESH, f"{user}:{clock.now().isoformat()}", user=user)
