"""IT tasks: done by hand, then recorded — a seat given (a request) or taken back (a case)."""

from __future__ import annotations

from dataclasses import dataclass

from workflows import jobs
from workflows.audit import record
from workflows.catalog import Config
from workflows.commands import CompleteTask, RecordReleased
from workflows.errors import NotFound, Refused
from workflows.model import RequestStatus, TaskStatus
from workflows.ports import Clock, UnitOfWork
from workflows.releases import record_released
from workflows.seats import fulfil, requester_email
from workflows.states import TASK, TaskEvent, next_state


@dataclass(frozen=True)
class TaskCompleted:
    task_id: int
    repeated: bool = False


def complete_task(
    cmd: CompleteTask, *, uow: UnitOfWork, config: Config, clock: Clock
) -> TaskCompleted:
    """IT pressed Done: close the task and record the seat it gave or took back."""
    task = uow.tasks.get(cmd.task_id, for_update=True)
    if task is None:
        raise NotFound("That task does not exist.")
    if task.status == TaskStatus.DONE:
        return TaskCompleted(task.id or 0, repeated=True)
    if cmd.actor not in config.admins:
        raise Refused("Only Seatkeeper admins can complete IT tasks.")
    task.status = next_state(TASK, task.status, TaskEvent.DONE)
    task.done_by, task.done_at = cmd.actor, clock.now()
    record(uow, clock, cmd.actor, "task.done", f"task:{task.id}")
    jobs.enqueue(uow, clock, jobs.ITTaskDone(task_id=task.id or 0), f"{task.id}")
    if task.case_id is not None:
        done = RecordReleased(task.case_id, actor=cmd.actor)
        record_released(done, uow=uow, config=config, clock=clock)
    request = uow.requests.get(task.request_id, for_update=True) if task.request_id else None
    if request is not None and request.status == RequestStatus.MANUAL_TASK:
        fulfil(request, requester_email(request, uow), cmd.actor, uow=uow, clock=clock)
    return TaskCompleted(task.id or 0)
