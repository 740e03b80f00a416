"""The digest and notice alerts in the IT channel, each posted once."""

from __future__ import annotations

from bot.jobs.subjects import SlackHandlers, recovering
from bot.slack.report_views import app_report
from messages import digest as digest_messages
from workflows import jobs
from workflows.digest import Digest
from workflows.errors import Gone
from workflows.model import Job


class Digests(SlackHandlers):
    """The handlers of digests and notice alerts."""

    def post(self, job: Job) -> None:
        """Post a stored digest, in as many messages as it takes (each once)."""
        p = jobs.read(job, jobs.DigestPost)
        with self.runner.uow() as uow:
            record = uow.digests.get(p.digest_id)
        if record is None:
            raise Gone(f"digest {p.digest_id} is gone")
        messages = digest_messages.digest(Digest.model_validate(record.payload))
        channel = self.it_channel()
        for n, message in enumerate(messages):
            self.poster.post(
                f"{job.key}:{n}", recovering=recovering(job), channel=channel, **message
            )

    def alert(self, job: Job) -> None:
        """Tell the IT channel that an app's notice deadline is near, with today's figures."""
        p = jobs.read(job, jobs.NoticeAlert)
        with self.runner.uow() as uow:
            report = app_report(p.app_key, uow, self.config, self.runner.clock.now().date())
        message = digest_messages.notice_alert(report)
        self.poster.post(job.key, recovering=recovering(job), channel=self.it_channel(), **message)
