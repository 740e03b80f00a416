"""Durable side effects: job kinds, how they are queued, and the retry policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from workflows.model import Job
from workflows.ports import Clock, UnitOfWork

REQUESTER_UPDATE = "requester.update"
APPROVERS_ASK = "approvers.ask"
APPROVERS_CLOSE = "approvers.close"
APPROVERS_REMIND = "approvers.remind"
IT_TASK = "it.task"
IT_TASK_DONE = "it.task_done"
IT_NOTICE = "it.notice"
PROVISION = "provision"
HOME_REFRESH = "home.refresh"

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600


def enqueue(uow: UnitOfWork, clock: Clock, kind: str, key: str, **payload: Any) -> None:
    """Queue a side effect in the current transaction; a repeated key is ignored.

    Jobs about the same request (or task) share a queue and run one after another in the
    order they were queued, so a thread's replies never overtake its first message.
    """
    uow.jobs.add(
        Job(
            kind=kind,
            key=f"{kind}:{key}",
            payload=payload,
            run_after=clock.now(),
            created_at=clock.now(),
            queue=queue_of(payload),
        )
    )


def queue_of(payload: dict[str, Any]) -> str | None:
    """The ordering queue of a job: its request, else its task, else none."""
    if payload.get("request_id") is not None:
        return f"request:{payload['request_id']}"
    if payload.get("task_id") is not None:
        return f"task:{payload['task_id']}"
    return None


def retry_delay(attempts: int, retry_after: float | None = None) -> dt.timedelta:
    """Exponential backoff after `attempts` failures, never shorter than the vendor asked."""
    delay = min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS)
    return dt.timedelta(seconds=max(delay, retry_after or 0))
