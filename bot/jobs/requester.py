"""The requester's DM thread: one root message kept current, each later update a reply in it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.jobs.subjects import SlackHandlers, dm_channel, load_request, recovering
from bot.slack.present import request_card
from messages import render
from workflows import jobs
from workflows.catalog import Config
from workflows.model import Job
from workflows.ports import Clock, UnitOfWork


class RequesterThread(SlackHandlers):
    """The handler of requester updates."""

    def update(self, job: Job) -> None:
        """Keep the requester's DM root current and add the news to its thread."""
        p = jobs.read(job, jobs.RequesterUpdate)
        with self.runner.reading() as uow:
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


@dataclass(frozen=True)
class RecordThread:
    """The requester's DM root of a request was posted here."""

    request_id: int
    channel: str
    ts: str


def _record_thread(cmd: RecordThread, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    request = load_request(uow, cmd.request_id, lock=True)
    if request.thread_ts is None:
        request.thread_channel, request.thread_ts = cmd.channel, cmd.ts
