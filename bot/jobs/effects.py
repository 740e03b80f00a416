"""Job handlers: the slow side effects (Slack messages, vendor calls) run after the ack.

Each handler reads the current state, talks to Slack or a vendor, and records what it posted.
A handler that raises is retried with backoff by the worker: `Retryable` says after how long,
and `Gone` (what the job is about no longer exists) ends the job at once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime.runner import Runner
from bot.slack.posts import Poster
from bot.slack.present import decision, home_view, request_card, task_card
from bot.slack.sync_view import summary_view
from messages import render
from store.uow import SqlUnitOfWork
from workflows import jobs
from workflows.errors import Gone
from workflows.model import ApprovalStep, Job, Request, RequestStatus
from workflows.ports import Assignee, Connector, ConnectorError, NotSupported, Retryable
from workflows.requests import awaits_decision
from workflows.seats import provisioned, provisioning_failed

log = logging.getLogger(__name__)
Handler = Callable[[Job], None]
# Slack's answers for someone who cannot receive a DM any more.
UNREACHABLE = frozenset(
    {"user_disabled", "user_not_found", "account_inactive", "cannot_dm_bot", "channel_not_found"}
)
IT_EVENTS = {"no_approver": "Request #{request_id} has nobody who can approve it: add admins."}


class Effects:
    """The handlers for every job kind, sharing the Slack client and the connectors."""

    def __init__(self, runner: Runner, slack: WebClient, connectors: Mapping[str, Connector]):
        self.runner = runner
        self.slack = slack
        self.poster = Poster(slack)
        self.connectors = connectors
        self.config = runner.config

    def handlers(self) -> dict[str, Handler]:
        """Job kind → handler."""
        return {
            jobs.REQUESTER_UPDATE: self.requester_update,
            jobs.APPROVERS_ASK: self.approvers_ask,
            jobs.APPROVERS_CLOSE: self.approvers_close,
            jobs.APPROVERS_REMIND: self.approvers_remind,
            jobs.IT_TASK: self.it_task,
            jobs.IT_TASK_DONE: self.it_task_done,
            jobs.IT_NOTICE: self.it_notice,
            jobs.PROVISION: self.provision,
            jobs.HOME_REFRESH: self.home_refresh,
        }

    def requester_update(self, job: Job) -> None:
        """Keep the requester's DM root current and add the news to its thread."""
        p = job.payload
        with self.runner.uow() as uow:
            request = _request(uow, p["request_id"])
            card = request_card(request, uow, self.config)
        root = render.requester_root(card)
        recovering = _recovering(job)
        channel, ts = request.thread_channel, request.thread_ts
        if channel is None or ts is None:
            channel, ts = self.poster.post(
                f"request:{request.id}:root",
                recovering=recovering,
                channel=self._dm(request.requester),
                **root,
            )
            self.runner(_record_thread, request.id, channel, ts)
        else:
            self.slack.chat_update(channel=channel, ts=ts, **root)
        if p["event"] != "submitted":
            reply = render.requester_update(
                card,
                p["event"],
                actor=p.get("actor"),
                reason=p.get("reason"),
                position=p.get("position"),
                waiting_on=p.get("waiting_on"),
            )
            self.poster.post(job.key, recovering=recovering, channel=channel, thread_ts=ts, **reply)

    def approvers_ask(self, job: Job) -> None:
        """Send the step's approvers the request with Approve and Deny buttons."""
        with self.runner.uow() as uow:
            request = _request(uow, job.payload["request_id"])
            step = _step(request, job.payload["step_id"])
            current = awaits_decision(request, step) and step is request.current_step()
            card = request_card(request, uow, self.config) if current else None
        asked = {m[2] for m in step.messages}
        targets = [a for a in step.approvers if a not in asked]
        if card is None:
            # Decided meanwhile (by a click on a message posted before a crash): record what
            # was posted, so closing the step replaces it and leaves no live button behind.
            if _recovering(job):
                self._record_found(job, request, step, targets)
            return
        message = render.approval_request(card, step.id or 0)
        channel = self.config.slack.approvals_channel
        if channel and targets:
            # One message in the channel; people added later (escalation) get it in its thread.
            thread_ts = step.messages[0][1] if step.messages else None
            channel, ts = self.poster.post(
                job.key,
                recovering=_recovering(job),
                channel=channel,
                thread_ts=thread_ts,
                **message,
            )
            refs = [[channel, ts, approver] for approver in targets]
            self.runner(_record_approval_messages, request.id, step.id, refs)
            return
        self._ask_each(job, request, step, targets, message)

    def _ask_each(
        self, job: Job, request: Request, step: Any, targets: list[str], message: dict
    ) -> None:
        failed: list[str] = []
        for approver in targets:  # each on its own: one unreachable approver stops nobody
            try:
                posted = self.poster.post(
                    f"{job.key}:{approver}",
                    recovering=_recovering(job),
                    channel=self._dm(approver),
                    **message,
                )
            except SlackApiError as exc:
                if _slack_error(exc) not in UNREACHABLE:
                    failed.append(approver)
                    continue
                ref = ["", "", approver]  # asked, but Slack cannot deliver to them
                self.runner(_unreachable_approver, request.id, step.id, approver)
            else:
                ref = [*posted, approver]
            self.runner(_record_approval_messages, request.id, step.id, [ref])
        if failed:
            raise Retryable(f"could not reach {', '.join(failed)} yet")

    def _record_found(self, job: Job, request: Request, step: Any, targets: list[str]) -> None:
        """Record the approval messages an earlier run of `job` posted but did not record."""
        refs: list[list[str]] = []
        channel = self.config.slack.approvals_channel
        if channel:
            thread_ts = step.messages[0][1] if step.messages else None
            found = self.poster.find(job.key, channel, thread_ts)
            refs = [[channel, found, approver] for approver in targets] if found else []
        for approver in [] if channel else targets:
            with contextlib.suppress(SlackApiError):  # unreachable: nothing was posted
                dm = self._dm(approver)
                if found := self.poster.find(f"{job.key}:{approver}", dm):
                    refs.append([dm, found, approver])
        if refs:
            self.runner(_record_approval_messages, request.id, step.id, refs)

    def approvers_close(self, job: Job) -> None:
        """Replace the step's approval messages so no stale button stays clickable."""
        with self.runner.uow() as uow:
            request = _request(uow, job.payload["request_id"])
            step = _step(request, job.payload["step_id"])
            closed = render.approval_closed(
                request_card(request, uow, self.config),
                decision=decision(step),
                note=job.payload.get("note"),
            )
        for channel, ts in dict.fromkeys((m[0], m[1]) for m in step.messages if m[0]):
            self.slack.chat_update(channel=channel, ts=ts, **closed)

    def approvers_remind(self, job: Job) -> None:
        """One reminder per approver: in the request's thread, or one list for several."""
        approver = job.payload["approver"]
        with self.runner.uow() as uow:
            waiting = []
            for request_id, step_id in job.payload["items"]:
                request = _request(uow, request_id)
                step = _step(request, step_id)
                if step is request.current_step():
                    waiting.append((request_card(request, uow, self.config), step))
        if len(waiting) == 1:
            card, step = waiting[0]
            ref = next((m for m in step.messages if m[2] == approver and m[0]), None)
            target = (
                {"channel": ref[0], "thread_ts": ref[1]} if ref else {"channel": self._dm(approver)}
            )
            shared = bool(self.config.slack.approvals_channel)
            reminder = render.approval_reminder(card, approver if shared else None)
            self.poster.post(job.key, recovering=_recovering(job), **target, **reminder)
        elif waiting:
            cards = [card for card, _ in waiting]
            self.poster.post(
                job.key,
                recovering=_recovering(job),
                channel=self._dm(approver),
                **render.approval_reminders(cards),
            )

    def it_task(self, job: Job) -> None:
        """Post an IT task with its Done button, once."""
        with self.runner.uow() as uow:
            task = uow.tasks.get(job.payload["task_id"])
            if task is None or task.ts is not None:
                return
            message = render.it_task(task_card(task, uow, self.config))
        channel, ts = self.poster.post(
            job.key, recovering=_recovering(job), channel=self._it_channel(), **message
        )
        self.runner(_record_task_message, task.id, channel, ts)

    def it_task_done(self, job: Job) -> None:
        """Update the task message in place: done, by whom, when."""
        with self.runner.uow() as uow:
            task = uow.tasks.get(job.payload["task_id"])
            if task is None:
                raise Gone(f"task {job.payload['task_id']} is gone")
            if task.channel is None or task.ts is None:
                raise Retryable("the task message is not posted yet", retry_after=5)
            done = render.it_task_done(task_card(task, uow, self.config))
        self.slack.chat_update(channel=task.channel, ts=task.ts, **done)

    def it_notice(self, job: Job) -> None:
        """Tell the IT channel about something that needs attention."""
        p = job.payload
        if p["event"] == "sync":
            message = render.sync_summary(summary_view(p["summary"]))
        elif p["event"] == "waitlisted":
            with self.runner.uow() as uow:
                request = _request(uow, p["request_id"])
                app = self.config.app(request.app_key)
                seats = app.contract.seats if app else None
                message = render.it_waitlist(request_card(request, uow, self.config), seats)
        else:
            text = p.get("text") or IT_EVENTS[p["event"]].format(**p)
            message = render.it_notice(text, detail=p.get("detail"))
        channel = self._it_channel()
        self.poster.post(job.key, recovering=_recovering(job), channel=channel, **message)

    def provision(self, job: Job) -> None:
        """Assign the seat through the app's connector; hand it to IT when that fails for good."""
        try:
            self._provision(job)
        except (Retryable, Gone):
            raise
        except Exception as exc:
            if job.attempts + 1 < job.max_attempts:
                raise
            # The last try failed in a way nobody foresaw: the request must not be left
            # "being set up" forever, so IT finishes it by hand.
            log.exception("provisioning job %s failed for good", job.id)
            self.runner(
                provisioning_failed,
                job.payload["request_id"],
                f"Seatkeeper could not set it up ({type(exc).__name__})",
            )

    def _provision(self, job: Job) -> None:
        with self.runner.uow() as uow:
            request = _request(uow, job.payload["request_id"])
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
            self.runner(lambda **kw: provisioned(request.id or 0, uow=kw["uow"], clock=kw["clock"]))

    def home_refresh(self, job: Job) -> None:
        """Re-publish someone's App Home after something changed for them."""
        self.publish_home(job.payload["user"])

    def publish_home(self, user: str) -> None:
        """Render and publish the App Home tab for `user`."""
        with self.runner.uow() as uow:
            view = render.home(home_view(user, uow, self.config))
        self.slack.views_publish(user_id=user, view=view)

    def _to_it(self, request: Request, why: str, detail: str) -> None:
        log.warning("provisioning request %s failed: %s: %s", request.id, why, detail)
        self.runner(provisioning_failed, request.id or 0, why, detail)

    def _dm(self, user: str) -> str:
        return self.slack.conversations_open(users=user)["channel"]["id"]

    def _it_channel(self) -> str:
        channel = self.config.slack.it_channel
        if channel:
            return channel
        if self.config.admins:
            return self._dm(self.config.admins[0])
        raise Retryable("no slack.it_channel and no admins are configured", retry_after=3600)


def _recovering(job: Job) -> bool:
    """True when the job was started before: its post may already be in Slack."""
    return job.claims > 1


def _request(uow: SqlUnitOfWork, request_id: int, *, lock: bool = False) -> Request:
    request = uow.requests.get(request_id, for_update=lock)
    if request is None:
        raise Gone(f"request {request_id} is gone")
    return request


def _step(request: Request, step_id: int) -> ApprovalStep:
    step = next((s for s in request.steps if s.id == step_id), None)
    if step is None:
        raise Gone(f"step {step_id} of request {request.id} is gone")
    return step


def _record_thread(request_id: int, channel: str, ts: str, *, uow: SqlUnitOfWork, **_: Any) -> None:
    request = _request(uow, request_id, lock=True)
    if request.thread_ts is None:
        request.thread_channel, request.thread_ts = channel, ts


def _unreachable_approver(
    request_id: int, step_id: int, approver: str, *, uow: SqlUnitOfWork, clock: Any, **_: Any
) -> None:
    jobs.enqueue(
        uow,
        clock,
        jobs.IT_NOTICE,
        f"unreachable:{step_id}:{approver}",
        event="text",
        text=f"Slack cannot deliver request #{request_id}'s approval to <@{approver}> "
        "(deactivated or unknown); the admins can decide it, or fix the approver in the config "
        "or directory.",
    )


def _slack_error(exc: SlackApiError) -> str | None:
    return exc.response.get("error") if exc.response is not None else None


def _record_approval_messages(
    request_id: int, step_id: int, refs: list[list[str]], *, uow: SqlUnitOfWork, **_: Any
) -> None:
    step = _step(_request(uow, request_id, lock=True), step_id)
    step.messages = [*step.messages, *refs]


def _record_task_message(
    task_id: int, channel: str, ts: str, *, uow: SqlUnitOfWork, **_: Any
) -> None:
    task = uow.tasks.get(task_id, for_update=True)
    if task is not None and task.ts is None:
        task.channel, task.ts = channel, ts
