"""Seat holders' DMs about their seats: the question (or news of a release), kept current in
place, and replies in its thread. Posts that Seatkeeper starts wait for the holder's working
hours in their own timezone, and all of them go out at the configured pace.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.jobs.subjects import (
    UNREACHABLE,
    NotYet,
    SlackHandlers,
    dm_channel,
    recovering,
    slack_error,
)
from bot.runtime.pace import Pacer
from bot.runtime.runner import Runner
from bot.slack.posts import Poster
from bot.slack.reclaim_views import case_card
from messages import seats as seat_messages
from messages.views import CaseCard
from workflows import jobs
from workflows.answers import holder_unreachable, mark_prompted
from workflows.cases import load_case
from workflows.catalog import Config, ReclaimPolicy
from workflows.commands import HolderUnreachable, MarkPrompted
from workflows.errors import NotFound
from workflows.hours import deadline_after, is_open, next_open, zone
from workflows.model import CaseKind, CaseStatus, Job, ReclaimCase
from workflows.ports import Clock, UnitOfWork

Member = dict[str, Any]  # a user object of Slack's users.info


class Holders(SlackHandlers):
    """The handlers of seat holders' DMs."""

    def __init__(
        self,
        runner: Runner,
        slack: WebClient,
        poster: Poster,
        pacer: Pacer,
        cycle_billed: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(runner, slack, poster)
        self.pacer = pacer
        self.cycle_billed = cycle_billed  # apps whose vendor bills a removed seat to cycle end

    def notify(self, job: Job) -> None:
        """Post the case's root DM once: ask the question, or tell of a release."""
        p = jobs.read(job, jobs.ReclaimNotify)
        case = self._case(p.case_id)
        if case is None or case.ts is not None or case.holder is None:
            return
        if case.status == CaseStatus.SKIPPED:
            return  # closed before it was asked: nothing to say
        member = self._member(case.holder)
        card = self._prompt(case, member, gated=p.gated)
        if card is None:
            return
        message = seat_messages.reclaim_root(card)
        self.pacer.wait()
        again = recovering(job)
        try:
            channel, ts = self.poster.post(
                job.key,
                recovering=again,
                channel=self._dm(case.holder, member, again=again),
                **message,
            )
        except SlackApiError as exc:
            if slack_error(exc) not in UNREACHABLE:
                raise
            self.runner(holder_unreachable, HolderUnreachable(p.case_id))
            return
        self.runner(_record_case_message, RecordCaseMessage(p.case_id, channel, ts))

    def update(self, job: Job) -> None:
        """Show the case as it stands in its root DM, in place (no stale buttons)."""
        p = jobs.read(job, jobs.ReclaimUpdate)
        case = self._case(p.case_id)
        if case is None or case.channel is None or case.ts is None:
            return  # never posted: there is nothing to update
        message = seat_messages.reclaim_root(self._card(p.case_id))
        self.slack.chat_update(channel=case.channel, ts=case.ts, **message)

    def news(self, job: Job) -> None:
        """Reply in the case's thread: a reminder, or what happened to the seat."""
        p = jobs.read(job, jobs.ReclaimNews)
        case = self._case(p.case_id)
        if case is None or case.channel is None or case.ts is None:
            return
        if p.gated:
            self._wait_for_hours(case, self._member(case.holder))
        reply = seat_messages.reclaim_news(
            self._card(p.case_id), p.event, handed_over=p.handed_over
        )
        self.pacer.wait()
        self.poster.post(
            job.key, recovering=recovering(job), channel=case.channel, thread_ts=case.ts, **reply
        )

    def _case(self, case_id: int) -> ReclaimCase | None:
        with self.runner.uow() as uow:
            try:
                return load_case(uow, case_id)
            except NotFound:
                return None

    def _card(self, case_id: int) -> CaseCard:
        with self.runner.uow() as uow:
            case = load_case(uow, case_id)
            card = case_card(case, uow, self.config, self.runner.clock.now())
        return self._billed(card, case.app_key)

    def _prompt(self, case: ReclaimCase, member: Member | None, *, gated: bool) -> CaseCard | None:
        """The card of the question about to go out, marked sent first (in the same
        transaction) when it was still scheduled; None when it should not go out."""
        tz = self._wait_for_hours(case, member) if gated else _zone(member)
        mark = None
        if case.status == CaseStatus.SCHEDULED:
            mark = MarkPrompted(case.id or 0, self._deadline(case, tz))
        card = self.runner(_prompted_card, Prompt(case.id or 0, mark))
        return self._billed(card, case.app_key) if card is not None else None

    def _billed(self, card: CaseCard, app_key: str) -> CaseCard:
        return replace(card, billed_to_cycle_end=app_key in self.cycle_billed)

    def _wait_for_hours(self, case: ReclaimCase, member: Member | None) -> dt.tzinfo:
        """The holder's timezone; NotYet until their working hours when they are off."""
        tz = _zone(member)
        hours = self._policy(case).hours
        now = self.runner.clock.now()
        if not is_open(now, hours, tz):
            raise NotYet(next_open(now, hours, tz))
        return tz

    def _deadline(self, case: ReclaimCase, tz: dt.tzinfo) -> dt.datetime:
        """When an unanswered question closes: grace_days on, at the end of a working day."""
        if case.kind != CaseKind.IDLE and case.deadline is not None:
            return case.deadline
        policy = self._policy(case)
        return deadline_after(self.runner.clock.now(), policy.grace_days, policy.hours, tz)

    def _policy(self, case: ReclaimCase) -> ReclaimPolicy:
        app = self.config.app(case.app_key)
        return self.config.reclaim_policy(app) if app else self.config.defaults.reclaim

    def _member(self, user: str | None) -> Member | None:
        """The user as Slack's users.info shows them (None when Slack does not say)."""
        if not user:
            return None
        try:
            member: Member = self.slack.users_info(user=user)["user"]
        except SlackApiError:
            return None
        return member

    def _dm(self, holder: str, member: Member | None, *, again: bool) -> str:
        """Where to post to the holder: their user id, when Slack has just shown them active
        (Slack takes it as the bot's DM with them, which saves a `conversations.open`, a call
        of a tighter rate tier than the post); else, and for a post that may have been made
        already (its look-up needs the channel id), the DM's channel."""
        if member is not None and not member.get("deleted") and not again:
            return holder
        return dm_channel(self.slack, holder)


def _zone(member: Member | None) -> dt.tzinfo:
    """The member's timezone, or the default when Slack did not say."""
    return zone(member.get("tz") if member else None)


@dataclass(frozen=True)
class Prompt:
    """Show the case's question: marked sent first with `mark`, when given."""

    case_id: int
    mark: MarkPrompted | None


def _prompted_card(
    cmd: Prompt, *, uow: UnitOfWork, config: Config, clock: Clock
) -> CaseCard | None:
    if cmd.mark is not None and not mark_prompted(cmd.mark, uow=uow, config=config, clock=clock):
        return None
    return case_card(load_case(uow, cmd.case_id), uow, config, clock.now())


@dataclass(frozen=True)
class RecordCaseMessage:
    """A case's root DM was posted here."""

    case_id: int
    channel: str
    ts: str


def _record_case_message(
    cmd: RecordCaseMessage, *, uow: UnitOfWork, config: Config, clock: Clock
) -> None:
    case = load_case(uow, cmd.case_id, lock=True)
    if case.ts is None:
        case.channel, case.ts = cmd.channel, cmd.ts
