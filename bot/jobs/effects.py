"""Job handlers: the slow side effects (Slack messages, vendor calls) run after the ack.

Each handler reads its job's payload model (`workflows.jobs.read`) and the current state, talks
to Slack or a vendor, and records what it posted. A handler that raises is retried with backoff
by the worker: `Retryable` says after how long, `Gone` (what the job is about no longer exists)
ends the job at once, and so does `BadPayload` (a payload that does not fit its kind's model).
Each group of handlers gets only what it uses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from slack_sdk import WebClient

from bot.jobs.approvals import Approvals
from bot.jobs.digests import Digests
from bot.jobs.holders import Holders
from bot.jobs.it_channel import ITChannel
from bot.jobs.provisioning import Provisioning
from bot.jobs.releasing import Releasing
from bot.jobs.requester import RequesterThread
from bot.jobs.review import Review
from bot.runtime.pace import Pacer
from bot.runtime.runner import Runner
from bot.slack.home import HomeTab
from bot.slack.posts import Poster
from workflows import jobs
from workflows.model import Job
from workflows.ports import Connector

Handler = Callable[[Job], None]


class Effects:
    """Every job kind's handler, each group built with only what it needs."""

    def __init__(
        self,
        runner: Runner,
        slack: WebClient,
        connectors: Mapping[str, Connector],
        home: HomeTab,
        pacer: Pacer,
    ) -> None:
        poster = Poster(slack)
        self.home = home
        self.requester = RequesterThread(runner, slack, poster)
        self.approvals = Approvals(runner, slack, poster)
        self.it_channel = ITChannel(runner, slack, poster)
        self.provisioning = Provisioning(runner, connectors)
        cycle_billed = frozenset(k for k, c in connectors.items() if c.billed_to_cycle_end)
        self.holders = Holders(runner, slack, poster, pacer, cycle_billed)
        self.review = Review(runner, slack, poster)
        self.digests = Digests(runner, slack, poster)
        self.releasing = Releasing(runner, connectors)

    def handlers(self) -> dict[str, Handler]:
        """Job kind → handler."""
        return {
            jobs.REQUESTER_UPDATE: self.requester.update,
            jobs.APPROVERS_ASK: self.approvals.ask,
            jobs.APPROVERS_CLOSE: self.approvals.close,
            jobs.APPROVERS_REMIND: self.approvals.remind,
            jobs.IT_TASK: self.it_channel.task,
            jobs.IT_TASK_DONE: self.it_channel.task_done,
            jobs.IT_NOTICE: self.it_channel.notice,
            jobs.PROVISION: self.provisioning.provision,
            jobs.HOME_REFRESH: self.home_refresh,
            jobs.RECLAIM_NOTIFY: self.holders.notify,
            jobs.RECLAIM_UPDATE: self.holders.update,
            jobs.RECLAIM_NEWS: self.holders.news,
            jobs.SEAT_RELEASE: self.releasing.release,
            jobs.WAVE_POST: self.review.post,
            jobs.WAVE_UPDATE: self.review.update,
            jobs.IT_LEAVER: self.review.leaver,
            jobs.DIGEST_POST: self.digests.post,
            jobs.NOTICE_ALERT: self.digests.alert,
        }

    def home_refresh(self, job: Job) -> None:
        """Re-publish someone's App Home after something changed for them."""
        self.home.publish(jobs.read(job, jobs.HomeRefresh).user)
