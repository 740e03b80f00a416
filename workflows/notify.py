"""Queuing the messages people get about a request (sent later by the job worker)."""

from __future__ import annotations

from typing import TypedDict, Unpack

from workflows import jobs
from workflows.model import ApprovalStep, Job, Request
from workflows.ports import Clock, UnitOfWork


def subject(request: Request) -> str:
    """The audit subject of a request."""
    return f"request:{request.id}"


class Said(TypedDict, total=False):
    """What an update to the requester says beyond its event (only what is given is stored)."""

    actor: str
    reason: str | None
    position: int


def tell_requester(
    uow: UnitOfWork,
    clock: Clock,
    request: Request,
    event: str,
    *,
    step: ApprovalStep | None = None,
    **said: Unpack[Said],
) -> Job | None:
    """Queue an update for the requester's DM thread (one per event and step)."""
    suffix = f"{event}:{step.id}" if step is not None else event
    update = jobs.RequesterUpdate(request_id=request.id, event=event, **said)
    return jobs.enqueue(uow, clock, update, f"{request.id}:{suffix}")


def tell_it(uow: UnitOfWork, clock: Clock, key: str, event: str, *, request_id: int | None) -> None:
    """Queue a notice about a request for the IT channel."""
    jobs.enqueue(uow, clock, jobs.ITNotice(event=event, request_id=request_id), key)


def ask_approvers(uow: UnitOfWork, clock: Clock, request: Request, step: ApprovalStep) -> None:
    """Queue the approval message for everyone on the step who has not had it yet."""
    ask = jobs.ApproversAsk(request_id=request.id, step_id=step.id)
    jobs.enqueue(uow, clock, ask, f"{step.id}:{step.status}")
