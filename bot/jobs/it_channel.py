"""The IT channel: tasks with their Done button (updated in place when done), and notices."""

from __future__ import annotations

from dataclasses import dataclass

from bot.jobs.subjects import SlackHandlers, load_request, recovering
from bot.slack.present import request_card, task_card
from bot.slack.sync_view import summary_view
from messages import render
from workflows import jobs
from workflows.catalog import Config
from workflows.errors import Gone
from workflows.model import OPEN_CASE_STATUSES, Job, RequestStatus
from workflows.ports import Clock, Retryable, UnitOfWork

IT_EVENTS = {"no_approver": "Request #{request_id} has nobody who can approve it: add admins."}


class ITChannel(SlackHandlers):
    """The handlers of IT tasks and notices."""

    def task(self, job: Job) -> None:
        """Post an IT task with its Done button, once."""
        p = jobs.read(job, jobs.ITTask)
        with self.runner.reading() as uow:
            task = uow.tasks.get(p.task_id)
            if task is None or task.ts is not None:
                return
            message = render.it_task(task_card(task, uow, self.config))
        channel, ts = self.poster.post(
            job.key, recovering=recovering(job), channel=self.it_channel(), **message
        )
        self.runner(_record_task_message, RecordTaskMessage(p.task_id, channel, ts))

    def task_done(self, job: Job) -> None:
        """Update the task message in place: done, by whom, when."""
        p = jobs.read(job, jobs.ITTaskDone)
        with self.runner.reading() as uow:
            task = uow.tasks.get(p.task_id)
            if task is None:
                raise Gone(f"task {p.task_id} is gone")
            if task.channel is None or task.ts is None:
                raise Retryable("the task message is not posted yet", retry_after=5)
            done = render.it_task_done(task_card(task, uow, self.config))
        self.slack.chat_update(channel=task.channel, ts=task.ts, **done)

    def notice(self, job: Job) -> None:
        """Tell the IT channel about something that needs attention."""
        p = jobs.read(job, jobs.ITNotice)
        if p.event == "sync" and p.summary is not None:
            message = render.sync_summary(summary_view(p.summary))
        elif p.event == "waitlisted" and p.request_id is not None:
            with self.runner.reading() as uow:
                request = load_request(uow, p.request_id)
                app = self.config.app(request.app_key)
                seats = app.contract.seats if app else None
                waiting = uow.requests.with_status(
                    RequestStatus.WAITLISTED, app_key=request.app_key
                )
                asking = uow.cases.with_status(*OPEN_CASE_STATUSES, app_key=request.app_key)
                message = render.it_waitlist(
                    request_card(request, uow, self.config),
                    seats,
                    waiting=len(waiting),
                    asked=sum(1 for case in asking if case.waiting),
                )
        else:
            text = p.text or IT_EVENTS[p.event].format(request_id=p.request_id)
            message = render.it_notice(text, detail=p.detail)
        channel = self.it_channel()
        self.poster.post(job.key, recovering=recovering(job), channel=channel, **message)


@dataclass(frozen=True)
class RecordTaskMessage:
    """An IT task's message with its Done button was posted here."""

    task_id: int
    channel: str
    ts: str


def _record_task_message(
    cmd: RecordTaskMessage, *, uow: UnitOfWork, config: Config, clock: Clock
) -> None:
    task = uow.tasks.get(cmd.task_id, for_update=True)
    if task is not None and task.ts is None:
        task.channel, task.ts = cmd.channel, cmd.ts
