"""The durable-job worker: claims due jobs, runs their handler, retries with backoff.

Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several replicas share the queue and
each job runs once; a job whose worker died is picked up again when its lease runs out.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace

from slack_sdk.errors import SlackApiError

from bot.effects import Handler, RetryLater
from bot.runner import Runner
from workflows import jobs
from workflows.model import Job, JobStatus
from workflows.states import JOB, next_state

log = logging.getLogger(__name__)
# Each job's lease starts when the job starts and must outlast its slowest vendor call;
# a worker that lost its lease (it was too slow) records nothing.
LEASE = dt.timedelta(minutes=15)
BATCH = 5
# Slack errors that no retry can fix: the job is given up at once and IT is told.
PERMANENT_SLACK_ERRORS = frozenset(
    {
        "message_not_found",
        "cant_update_message",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "user_not_found",
        "user_disabled",
        "account_inactive",
        "invalid_blocks",
        "no_text",
        "msg_too_long",
        "cannot_dm_bot",
    }
)


@dataclass(frozen=True)
class _Claimed:
    id: int
    kind: str
    payload: dict
    attempts: int
    max_attempts: int
    lease: dt.datetime | None


class Worker:
    """Runs queued jobs; `run_once`/`drain` for tests and the CLI, `start` for `serve`."""

    def __init__(self, runner: Runner, handlers: Mapping[str, Handler], interval: float = 1.0):
        self.runner = runner
        self.handlers = handlers
        self.interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        """Claim one batch of due jobs and run them; return how many ran."""
        claimed = self._claim()
        for job in claimed:
            self._run(job)
        return len(claimed)

    def drain(self, max_rounds: int = 50) -> int:
        """Run jobs until none is due (bounded); return how many ran."""
        total = 0
        for _ in range(max_rounds):
            ran = self.run_once()
            if not ran:
                break
            total += ran
        return total

    def start(self) -> None:
        """Run in a background thread until `stop`."""
        self._thread = threading.Thread(target=self._loop, name="seatkeeper-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """New work was committed: look for it now instead of at the next interval."""
        self._wake.set()

    def stop(self) -> None:
        """Ask the background thread to finish and wait for it."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_once()
            except Exception:
                log.exception("job worker pass failed; trying again shortly")
                ran = 0
            if not ran:
                self._wake.wait(self.interval)
                self._wake.clear()

    def _claim(self) -> list[_Claimed]:
        with self.runner.uow() as uow:
            claimed = uow.jobs.claim(self.runner.clock.now(), LEASE, BATCH)
            found = [
                _Claimed(
                    j.id or 0, j.kind, dict(j.payload), j.attempts, j.max_attempts, j.leased_until
                )
                for j in claimed
            ]
            uow.commit()
        return found

    def _run(self, claimed: _Claimed) -> None:
        renewed = self._renew(claimed)
        if renewed is None:
            log.warning("job %s was taken over by another worker; skipping it", claimed.id)
            return
        claimed = renewed
        handler = self.handlers.get(claimed.kind)
        job = Job(
            kind=claimed.kind,
            key="",
            payload=claimed.payload,
            run_after=self.runner.clock.now(),
            attempts=claimed.attempts,
            max_attempts=claimed.max_attempts,
            id=claimed.id,
        )
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {claimed.kind!r}")
            handler(job)
        except Exception as exc:
            delay = exc.delay if isinstance(exc, RetryLater) else None
            if not isinstance(exc, RetryLater):
                log.exception("job %s (%s) failed", claimed.id, claimed.kind)
            error = f"{type(exc).__name__}: {exc}"
            self._finish(claimed, error=error, delay=delay, final=_permanent(exc))
        else:
            self._finish(claimed)

    def _renew(self, claimed: _Claimed) -> _Claimed | None:
        """Start this job's own lease now, if the job is still ours."""
        with self.runner.uow() as uow:
            job = uow.jobs.get(claimed.id)
            if job is None or job.status != JobStatus.RUNNING or job.leased_until != claimed.lease:
                return None
            job.leased_until = self.runner.clock.now() + LEASE
            lease = job.leased_until
            uow.commit()
        return replace(claimed, lease=lease)

    def _finish(
        self,
        claimed: _Claimed,
        *,
        error: str | None = None,
        delay: float | None = None,
        final: bool = False,
    ) -> None:
        with self.runner.uow() as uow:
            job = uow.jobs.get(claimed.id)
            if job is None or job.status != JobStatus.RUNNING or job.leased_until != claimed.lease:
                log.warning("job %s: lost its lease while running; leaving it", claimed.id)
                return
            now = self.runner.clock.now()
            if error is None:
                job.status = next_state(JOB, job.status, "succeed")
            else:
                job.attempts += 1
                job.last_error = error[:2000]
                give_up = final or job.attempts >= job.max_attempts
                job.status = next_state(JOB, job.status, "give_up" if give_up else "retry")
                job.run_after = now + jobs.retry_delay(job.attempts, delay)
                if give_up:
                    self._tell_it_job_died(uow, job)
            job.leased_until = None
            uow.commit()

    def _tell_it_job_died(self, uow, job: Job) -> None:
        log.error(
            "job %s (%s) gave up after %s tries: %s", job.id, job.kind, job.attempts, job.last_error
        )
        if job.kind != jobs.IT_NOTICE and job.status == JobStatus.DEAD:
            jobs.enqueue(
                uow,
                self.runner.clock,
                jobs.IT_NOTICE,
                f"dead:{job.id}",
                event="text",
                text=f"Seatkeeper gave up on a {job.kind} job (#{job.id}) after "
                f"{job.attempts} tries",
                detail=job.last_error,
            )


def _permanent(exc: Exception) -> bool:
    """True for a failure no retry can fix (a Slack error such as message_not_found)."""
    if isinstance(exc, SlackApiError) and exc.response is not None:
        return exc.response.get("error") in PERMANENT_SLACK_ERRORS
    return False
