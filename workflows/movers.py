"""Movers: when the directory gives someone a new manager, their waiting approvals follow.

A request's `manager` step that is still waiting goes to the new manager, who is asked at
once, as for a fresh approval; the former manager's approval message is replaced in place by
one without buttons that says the request moved to the new manager. Steps
already escalated to the admins, decided or not yet started are left alone (a step not yet
started finds the new manager when it starts).
"""

from __future__ import annotations

from workflows import jobs
from workflows.audit import record
from workflows.catalog import Config
from workflows.model import Person, StepStatus
from workflows.notify import subject
from workflows.ports import Clock, UnitOfWork
from workflows.requests import resolve_approvers

MOVED = "The requester's manager changed: this approval moved to their new manager."


def manager_changed(
    person: Person, *, uow: UnitOfWork, config: Config, clock: Clock, actor: str
) -> int:
    """Hand the person's waiting `manager` steps to their manager now; how many moved."""
    if not person.slack_user_id:
        return 0
    moved = 0
    for request in uow.requests.for_requester(person.slack_user_id):
        if not request.is_open:
            continue
        for step in request.steps:
            if step.rule != "manager" or step.status != StepStatus.WAITING:
                continue
            approvers = resolve_approvers("manager", request, uow=uow, config=config)
            if approvers == step.approvers:
                continue
            step.approvers = approvers
            record(
                uow,
                clock,
                actor,
                "step.rerouted",
                subject(request),
                step=step.position,
                approvers=approvers,
                reason="manager changed",
            )
            key = f"{step.id}:rerouted:{','.join(approvers)}"
            close = jobs.ApproversClose(
                request_id=request.id or 0, step_id=step.id or 0, note=MOVED, former_only=True
            )
            jobs.enqueue(uow, clock, close, key)
            ask = jobs.ApproversAsk(request_id=request.id or 0, step_id=step.id or 0)
            jobs.enqueue(uow, clock, ask, key)
            moved += 1
    return moved
