"""The approval messages of a step: ask its approvers, close the messages, remind the silent.

Each message asked is recorded on the step (`ApprovalMessage`), so closing the step replaces
every one of them and a reminder goes to the thread its approver already has.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.jobs.subjects import (
    UNREACHABLE,
    SlackHandlers,
    dm_channel,
    load_request,
    load_step,
    recovering,
    slack_error,
)
from bot.slack.present import decision, request_card
from messages import render
from workflows import jobs
from workflows.catalog import Config
from workflows.model import ApprovalMessage, ApprovalStep, Job, Request
from workflows.ports import Clock, Retryable, UnitOfWork
from workflows.requests import awaits_decision


class Approvals(SlackHandlers):
    """The handlers of the approvers' jobs."""

    def ask(self, job: Job) -> None:
        """Send the step's approvers the request with Approve and Deny buttons."""
        p = jobs.read(job, jobs.ApproversAsk)
        with self.runner.reading() as uow:
            request = load_request(uow, p.request_id)
            step = load_step(request, p.step_id)
            current = awaits_decision(request, step) and step is request.current_step()
            card = request_card(request, uow, self.config) if current else None
        asked = {m.approver for m in step.messages}
        targets = [a for a in step.approvers if a not in asked]
        if card is None:
            # Decided meanwhile (by a click on a message posted before a crash): record what
            # was posted, so closing the step replaces it and leaves no live button behind.
            if recovering(job):
                self._record_found(job, request, step, targets)
            return
        message = render.approval_request(card, step.id or 0)
        channel = self.config.slack.approvals_channel
        if channel and targets:
            # One message in the channel; people added later (escalation) get it in its thread.
            channel, ts = self.poster.post(
                job.key,
                recovering=recovering(job),
                channel=channel,
                thread_ts=_thread_ts(step),
                **message,
            )
            asks = [ApprovalMessage(channel, ts, approver) for approver in targets]
            self._record(request, step, asks)
            return
        self._ask_each(job, request, step, targets, message)

    def _ask_each(
        self,
        job: Job,
        request: Request,
        step: ApprovalStep,
        targets: list[str],
        message: dict[str, Any],
    ) -> None:
        failed: list[str] = []
        for approver in targets:  # each on its own: one unreachable approver stops nobody
            try:
                channel, ts = self.poster.post(
                    f"{job.key}:{approver}",
                    recovering=recovering(job),
                    channel=dm_channel(self.slack, approver),
                    **message,
                )
            except SlackApiError as exc:
                if slack_error(exc) not in UNREACHABLE:
                    failed.append(approver)
                    continue
                ask = ApprovalMessage.undeliverable(approver)
                unreachable = UnreachableApprover(request.id or 0, step.id or 0, approver)
                self.runner(_unreachable_approver, unreachable)
            else:
                ask = ApprovalMessage(channel, ts, approver)
            self._record(request, step, [ask])
        if failed:
            raise Retryable(f"could not reach {', '.join(failed)} yet")

    def _record_found(
        self, job: Job, request: Request, step: ApprovalStep, targets: list[str]
    ) -> None:
        """Record the approval messages an earlier run of `job` posted but did not record."""
        asks: list[ApprovalMessage] = []
        channel = self.config.slack.approvals_channel
        if channel:
            found = self.poster.find(job.key, channel, _thread_ts(step))
            asks = [ApprovalMessage(channel, found, a) for a in targets] if found else []
        for approver in [] if channel else targets:
            with contextlib.suppress(SlackApiError):  # unreachable: nothing was posted
                dm = dm_channel(self.slack, approver)
                if found := self.poster.find(f"{job.key}:{approver}", dm):
                    asks.append(ApprovalMessage(dm, found, approver))
        if asks:
            self._record(request, step, asks)

    def _record(self, request: Request, step: ApprovalStep, asks: list[ApprovalMessage]) -> None:
        asked = RecordApprovalMessages(request.id or 0, step.id or 0, tuple(asks))
        self.runner(_record_approval_messages, asked)

    def close(self, job: Job) -> None:
        """Replace the step's approval messages so no stale button stays clickable."""
        p = jobs.read(job, jobs.ApproversClose)
        with self.runner.reading() as uow:
            request = load_request(uow, p.request_id)
            step = load_step(request, p.step_id)
            closed = render.approval_closed(
                request_card(request, uow, self.config), decision=decision(step), note=p.note
            )
        shown = [m for m in step.messages if m.delivered]
        if p.former_only:  # a message a current approver shares (a channel's) stays open
            current = {(m.channel, m.ts) for m in shown if m.approver in step.approvers}
            shown = [m for m in shown if (m.channel, m.ts) not in current]
        for channel, ts in dict.fromkeys((m.channel, m.ts) for m in shown):
            self.slack.chat_update(channel=channel, ts=ts, **closed)

    def remind(self, job: Job) -> None:
        """One reminder per approver: in the request's thread, or one list for several."""
        p = jobs.read(job, jobs.ApproversRemind)
        with self.runner.reading() as uow:
            waiting = []
            for request_id, step_id in p.items:
                request = load_request(uow, request_id)
                step = load_step(request, step_id)
                if step is request.current_step():
                    waiting.append((request_card(request, uow, self.config), step))
        if len(waiting) == 1:
            card, step = waiting[0]
            ask = next((m for m in step.messages if m.approver == p.approver and m.delivered), None)
            target = (
                {"channel": ask.channel, "thread_ts": ask.ts}
                if ask
                else {"channel": dm_channel(self.slack, p.approver)}
            )
            shared = bool(self.config.slack.approvals_channel)
            reminder = render.approval_reminder(card, p.approver if shared else None)
            self.poster.post(job.key, recovering=recovering(job), **target, **reminder)
        elif waiting:
            self.poster.post(
                job.key,
                recovering=recovering(job),
                channel=dm_channel(self.slack, p.approver),
                **render.approval_reminders([card for card, _ in waiting]),
            )


def _thread_ts(step: ApprovalStep) -> str | None:
    """The thread of the step's first message (in the approvals channel: the one message)."""
    return step.messages[0].ts if step.messages else None


@dataclass(frozen=True)
class RecordApprovalMessages:
    """These approval messages of a step were posted (or found undeliverable)."""

    request_id: int
    step_id: int
    asks: tuple[ApprovalMessage, ...]


@dataclass(frozen=True)
class UnreachableApprover:
    """Slack cannot deliver a step's approval message to `approver`: IT has to hear of it."""

    request_id: int
    step_id: int
    approver: str


def _record_approval_messages(
    cmd: RecordApprovalMessages, *, uow: UnitOfWork, config: Config, clock: Clock
) -> None:
    step = load_step(load_request(uow, cmd.request_id, lock=True), cmd.step_id)
    step.messages = [*step.messages, *cmd.asks]


def _unreachable_approver(
    cmd: UnreachableApprover, *, uow: UnitOfWork, config: Config, clock: Clock
) -> None:
    text = (
        f"Slack cannot deliver request #{cmd.request_id}'s approval to <@{cmd.approver}> "
        "(deactivated or unknown); the admins can decide it, or fix the approver in the config "
        "or directory."
    )
    notice = jobs.ITNotice(event="text", text=text)
    jobs.enqueue(uow, clock, notice, f"unreachable:{cmd.step_id}:{cmd.approver}")
