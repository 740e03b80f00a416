"""Job handlers: the slow side effects (Slack messages, vendor calls) run after the ack.

Each handler reads its job's payload model (`workflows.jobs.read`) and the current state, talks
to Slack or a vendor, and records what it posted. A handler that raises is retried with backoff
by the worker: `Retryable` says after how long, `Gone` (what the job is about no longer exists)
ends the job at once, and so does `BadPayload` (a payload that does not fit its kind's model).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from slack_sdk import WebClient

from bot.jobs.approvals import Approvals
from bot.jobs.subjects import dm_channel, load_request, recovering
from bot.runtime.runner import Runner
from bot.slack.home import HomeTab
from bot.slack.posts import Poster
from bot.slack.present import request_card, task_card
from bot.slack.sync_view import summary_view
from messages import render
from workflows import jobs
from workflows.catalog import Config
from workflows.commands import HandProvisioningToIt, RecordProvisioned
from workflows.errors import Gone
from workflows.model import Job, Request, RequestStatus
from workflows.ports import (
    Assignee,
    Clock,
    Connector,
    ConnectorError,
    NotSupported,
    Retryable,
    UnitOfWork,
)
from workflows.seats import provisioned, provisioning_failed

log = logging.getLogger(__name__)
Handler = Callable[[Job], None]
IT_EVENTS = {"no_approver": "Request #{request_id} has nobody who can approve it: add admins."}


class Effects:
    """The handlers for every job kind, sharing the Slack client and the connectors."""

    def __init__(
        self,
        runner: Runner,
        slack: WebClient,
        connectors: Mapping[str, Connector],
        home: HomeTab,
    ) -> None:
        self.runner = runner
        self.slack = slack
        self.home = home
        self.poster = Poster(slack)
        self.connectors = connectors
        self.config = runner.config
        self.approvals = Approvals(runner, slack, self.poster)

    def handlers(self) -> dict[str, Handler]:
        """Job kind → handler."""
        return {
            jobs.REQUESTER_UPDATE: self.requester_update,
            jobs.APPROVERS_ASK: self.approvals.ask,
            jobs.APPROVERS_CLOSE: self.approvals.close,
            jobs.APPROVERS_REMIND: self.approvals.remind,
            jobs.IT_TASK: self.it_task,
            jobs.IT_TASK_DONE: self.it_task_done,
            jobs.IT_NOTICE: self.it_notice,
            jobs.PROVISION: self.provision,
            jobs.HOME_REFRESH: self.home_refresh,
        }

    def requester_update(self, job: Job) -> None:
        """Keep the requester's DM root current and add the news to its thread."""
        p = jobs.read(job, jobs.RequesterUpdate)
        with self.runner.uow() as uow:
            request = load_request(uow, p.request_id)
            card = request_card(request, uow, self.config)
        root = render.requester_root(card)
        channel, ts = request.thread_channel, request.thread_ts
        if channel is None or ts is None:
            channel, ts = self.poster.post(
                f"request:{request.id}:root",
                recovering=recovering(job),
                channel=dm_channel(self.slack, request.requester),
                **root,
            )
            self.runner(_record_thread, RecordThread(p.request_id, channel, ts))
        else:
            self.slack.chat_update(channel=channel, ts=ts, **root)
        if p.event != "submitted":
            reply = render.requester_update(
                card,
                p.event,
                actor=p.actor,
                reason=p.reason,
                position=p.position,
                waiting_on=p.waiting_on,
            )
            self.poster.post(
                job.key, recovering=recovering(job), channel=channel, thread_ts=ts, **reply
            )

    def it_task(self, job: Job) -> None:
        """Post an IT task with its Done button, once."""
        p = jobs.read(job, jobs.ITTask)
        with self.runner.uow() as uow:
            task = uow.tasks.get(p.task_id)
            if task is None or task.ts is not None:
                return
            message = render.it_task(task_card(task, uow, self.config))
        channel, ts = self.poster.post(
            job.key, recovering=recovering(job), channel=self._it_channel(), **message
        )
        self.runner(_record_task_message, RecordTaskMessage(p.task_id, channel, ts))

    def it_task_done(self, job: Job) -> None:
        """Update the task message in place: done, by whom, when."""
        p = jobs.read(job, jobs.ITTaskDone)
        with self.runner.uow() as uow:
            task = uow.tasks.get(p.task_id)
            if task is None:
                raise Gone(f"task {p.task_id} is gone")
            if task.channel is None or task.ts is None:
                raise Retryable("the task message is not posted yet", retry_after=5)
            done = render.it_task_done(task_card(task, uow, self.config))
        self.slack.chat_update(channel=task.channel, ts=task.ts, **done)

    def it_notice(self, job: Job) -> None:
        """Tell the IT channel about something that needs attention."""
        p = jobs.read(job, jobs.ITNotice)
        if p.event == "sync" and p.summary is not None:
            message = render.sync_summary(summary_view(p.summary))
        elif p.event == "waitlisted" and p.request_id is not None:
            with self.runner.uow() as uow:
                request = load_request(uow, p.request_id)
                app = self.config.app(request.app_key)
                seats = app.contract.seats if app else None
                message = render.it_waitlist(request_card(request, uow, self.config), seats)
        else:
            text = p.text or IT_EVENTS[p.event].format(request_id=p.request_id)
            message = render.it_notice(text, detail=p.detail)
        channel = self._it_channel()
        self.poster.post(job.key, recovering=recovering(job), channel=channel, **message)

    def provision(self, job: Job) -> None:
        """Assign the seat through the app's connector; hand it to IT when that fails for good."""
        p = jobs.read(job, jobs.Provision)
        try:
            self._provision(job, p.request_id)
        except (Retryable, Gone):
            raise
        except Exception as exc:
            if job.attempts + 1 < job.max_attempts:
                raise
            # The last try failed in a way nobody foresaw: the request must not be left
            # "being set up" forever, so IT finishes it by hand.
            log.exception("provisioning job %s failed for good", job.id)
            why = f"Seatkeeper could not set it up ({type(exc).__name__})"
            self.runner(provisioning_failed, HandProvisioningToIt(p.request_id, why))

    def _provision(self, job: Job, request_id: int) -> None:
        with self.runner.uow() as uow:
            request = load_request(uow, request_id)
            if request.status != RequestStatus.PROVISIONING:
                return
            person = uow.people.by_slack_id(request.requester)
        connector = self.connectors.get(request.app_key)
        try:
            if person is None or connector is None:
                raise NotSupported("the requester or the app's connector is unknown")
            connector.assign(
                Assignee(person.email, person.name, person.slack_user_id), request.tier_key
            )
        except Retryable as exc:
            if job.attempts + 1 < job.max_attempts:
                raise
            self._to_it(request, "the vendor kept failing", str(exc))
        except ConnectorError as exc:
            self._to_it(request, "the vendor refused", str(exc))
        else:
            self.runner(provisioned, RecordProvisioned(request_id))

    def home_refresh(self, job: Job) -> None:
        """Re-publish someone's App Home after something changed for them."""
        self.home.publish(jobs.read(job, jobs.HomeRefresh).user)

    def _to_it(self, request: Request, why: str, detail: str) -> None:
        log.warning("provisioning request %s failed: %s: %s", request.id, why, detail)
        self.runner(provisioning_failed, HandProvisioningToIt(request.id or 0, why, detail))

    def _it_channel(self) -> str:
        channel = self.config.slack.it_channel
        if channel:
            return channel
        if self.config.admins:
            return dm_channel(self.slack, self.config.admins[0])
        raise Retryable("no slack.it_channel and no admins are configured", retry_after=3600)


@dataclass(frozen=True)
class RecordThread:
    """The requester's DM root of a request was posted here."""

    request_id: int
    channel: str
    ts: str


@dataclass(frozen=True)
class RecordTaskMessage:
    """An IT task's message with its Done button was posted here."""

    task_id: int
    channel: str
    ts: str


def _record_thread(cmd: RecordThread, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    request = load_request(uow, cmd.request_id, lock=True)
    if request.thread_ts is None:
        request.thread_channel, request.thread_ts = cmd.channel, cmd.ts


def _record_task_message(
    cmd: RecordTaskMessage, *, uow: UnitOfWork, config: Config, clock: Clock
) -> None:
    task = uow.tasks.get(cmd.task_id, for_update=True)
    if task is not None and task.ts is None:
        task.channel, task.ts = cmd.channel, cmd.ts
