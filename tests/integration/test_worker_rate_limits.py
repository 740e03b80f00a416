"""The job worker waits out a Slack rate limit that outlasted the Slack client's own retries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from slack_sdk import WebClient

from bot.config.loader import parse_config
from bot.jobs.it_channel import ITChannel
from bot.jobs.worker import Worker
from bot.runtime.runner import Runner
from bot.sandbox.local import LocalSlack
from bot.slack.posts import Poster
from store.db import make_engine, session_factory
from store.migrate import upgrade
from tests.fakes.clock import FakeClock
from workflows import jobs
from workflows.model import Job, JobStatus

IT_CHANNEL = "C0ITOPS01"


@dataclass
class Setup:
    slack: LocalSlack
    clock: FakeClock
    runner: Runner
    worker: Worker

    def notice(self, text: str) -> int:
        """Queue an IT-channel notice; its job id."""
        with self.runner.uow() as uow:
            job = jobs.enqueue(uow, self.clock, jobs.ITNotice(event="text", text=text), text)
            uow.commit()
            assert job is not None and job.id is not None
            return job.id

    def job(self, job_id: int) -> Job:
        with self.runner.uow() as uow:
            job = uow.jobs.get(job_id)
            assert job is not None
            return job

    def posted(self) -> list[str]:
        return [message["text"] for message in self.slack.messages(IT_CHANNEL)]

    def wait(self, seconds: float) -> int:
        """Let `seconds` pass on both clocks, then run every job that is due; how many ran."""
        self.clock.advance(seconds=seconds)
        return self.worker.drain()


@pytest.fixture
def setup(database_url: str) -> Iterator[Setup]:
    engine = make_engine(database_url)
    upgrade(engine)
    clock = FakeClock()
    config = parse_config(f"slack: {{it_channel: {IT_CHANNEL}}}\n", source="test.yml", env={})
    runner = Runner(session_factory(engine), config, clock)
    with LocalSlack(now=lambda: clock.now().timestamp()) as slack:
        # No retry handler: the client as it is once its own retries of a 429 have run out.
        client = WebClient(token=slack.token, base_url=slack.url)
        handlers = {jobs.IT_NOTICE: ITChannel(runner, client, Poster(client)).notice}
        yield Setup(slack, clock, runner, Worker(runner, handlers))
    engine.dispose()


def test_a_job_slack_still_rate_limits_runs_again_no_sooner_than_its_retry_after(
    setup: Setup,
) -> None:
    setup.slack.fail_next("chat.postMessage", status=429, retry_after=120)
    job_id = setup.notice("Figma renews in 30 days")
    started = setup.clock.now()

    assert setup.worker.run_once() == 1
    job = setup.job(job_id)
    assert job.status == JobStatus.QUEUED and "ratelimited" in (job.last_error or "")
    assert job.run_after == started + dt.timedelta(seconds=120)  # not the 30 s backoff
    assert setup.wait(119) == 0
    assert setup.posted() == []
    assert setup.wait(1) == 1
    assert setup.posted() == ["Figma renews in 30 days"]
    assert setup.job(job_id).status == JobStatus.DONE


def test_jobs_over_slacks_limit_wait_until_the_window_has_room_again(setup: Setup) -> None:
    setup.slack.limit("chat.postMessage", calls=2, per_seconds=300)
    for number in range(1, 5):
        setup.notice(f"notice {number}")

    assert setup.worker.drain() == 4  # two posted; two refused with Retry-After 300
    assert setup.posted() == ["notice 1", "notice 2"]
    assert setup.wait(299) == 0
    assert setup.wait(1) == 2
    assert setup.posted() == ["notice 1", "notice 2", "notice 3", "notice 4"]
