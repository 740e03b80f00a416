"""What a job is about, loaded again when it runs (gone things end the job: `Gone`),
and what the Slack handler groups share."""

from __future__ import annotations

import datetime as dt

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime.runner import Runner
from bot.slack.posts import Poster
from workflows.errors import Gone
from workflows.model import ApprovalStep, Job, Request
from workflows.ports import Retryable, UnitOfWork

# Slack's answers for someone who cannot receive a DM any more.
UNREACHABLE = frozenset(
    {"user_disabled", "user_not_found", "account_inactive", "cannot_dm_bot", "channel_not_found"}
)


def slack_error(exc: SlackApiError) -> str | None:
    """The `error` of a Slack Web API failure."""
    return exc.response.get("error") if exc.response is not None else None


class NotYet(Exception):
    """The job must wait until `until` (its reader's working hours): it did nothing yet."""

    def __init__(self, until: dt.datetime) -> None:
        super().__init__(f"not due before {until.isoformat()}")
        self.until = until


def recovering(job: Job) -> bool:
    """True when the job was started before: its post may already be in Slack."""
    return job.claims > 1


def load_request(uow: UnitOfWork, request_id: int, *, lock: bool = False) -> Request:
    """The request a job is about; `lock` holds its row until commit."""
    request = uow.requests.get(request_id, for_update=lock)
    if request is None:
        raise Gone(f"request {request_id} is gone")
    return request


def load_step(request: Request, step_id: int) -> ApprovalStep:
    """The approval step a job is about."""
    step = next((s for s in request.steps if s.id == step_id), None)
    if step is None:
        raise Gone(f"step {step_id} of request {request.id} is gone")
    return step


def dm_channel(slack: WebClient, user: str) -> str:
    """The channel of the bot's DM with `user`."""
    channel: str = slack.conversations_open(users=user)["channel"]["id"]
    return channel


class SlackHandlers:
    """A group of job handlers that talk to Slack: the runner, the client and its poster."""

    def __init__(self, runner: Runner, slack: WebClient, poster: Poster) -> None:
        self.runner = runner
        self.slack = slack
        self.poster = poster
        self.config = runner.config

    def it_channel(self) -> str:
        """The IT channel, or the first admin's DM when none is configured."""
        channel = self.config.slack.it_channel
        if channel:
            return channel
        if self.config.admins:
            return dm_channel(self.slack, self.config.admins[0])
        raise Retryable("no slack.it_channel and no admins are configured", retry_after=3600)
