"""Queuing the messages people get about a request (sent later by the job worker)."""

from __future__ import annotations

from typing import Any

from workflows import jobs
from workflows.model import ApprovalStep, Job, Request
from workflows.ports import Clock, UnitOfWork


def subject(request: Request) -> str:
    """The audit subject of a request."""
    return f"request:{request.id}"


def tell_requester(
    uow: UnitOfWork,
    clock: Clock,
    request: Request,
    event: str,
    *,
    step: ApprovalStep | None = None,
    **extra: Any,
) -> Job | None:
    """Queue an update for the requester's DM thread (one per event and step)."""
    suffix = f"{event}:{step.id}" if step is not None else event
    return jobs.enqueue(
        uow,
        clock,
        jobs.REQUESTER_UPDATE,
        f"{request.id}:{suffix}",
        request_id=request.id,
        event=event,
        **extra,
    )


def tell_it(uow: UnitOfWork, clock: Clock, key: str, event: str, **extra: Any) -> None:
    """Queue a notice for the IT channel."""
    jobs.enqueue(uow, clock, jobs.IT_NOTICE, key, event=event, **extra)


def ask_approvers(uow: UnitOfWork, clock: Clock, request: Request, step: ApprovalStep) -> None:
    """Queue the approval message for everyone on the step who has not had it yet."""
    jobs.enqueue(
        uow,
        clock,
        jobs.APPROVERS_ASK,
        f"{step.id}:{step.status}",
        request_id=request.id,
        step_id=step.id,
    )
