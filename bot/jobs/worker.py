"""The durable-job worker: claims due jobs one at a time, runs their handler, retries with backoff.

A retry waits at least as long as the failure asked: a `Retryable`'s `retry_after`, or the
`Retry-After` of a Slack 429 that outlasted the Slack client's own retries.

Leases are short and renewed by a heartbeat while a job runs, so the jobs of a server that
died are taken over by any server soon after (`SEATKEEPER_LEASE_SECONDS`); a clean stop waits
briefly for running jobs and hands back the rest at once. Jobs that call a vendor run on their
own lane of threads, so a hung vendor delays no Slack message, and each job's vendor calls
share one time limit. Claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL, so replicas share the
queue and each job runs once at a time.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeGuard
from urllib.error import URLError

from slack_sdk.errors import SlackApiError

from bot.jobs.effects import Handler
from bot.jobs.subjects import NotYet
from bot.runtime.deadline import time_limit
from bot.runtime.heartbeat import Heartbeat
from bot.runtime.runner import Runner
from bot.runtime.wake import JobWake
from connectors.http import retry_after_seconds
from store.uow import SqlUnitOfWork
from workflows import jobs
from workflows.errors import BadPayload, Gone
from workflows.model import Job, JobStatus
from workflows.ports import Retryable

log = logging.getLogger(__name__)
DEFAULT_LEASE = dt.timedelta(seconds=30)
# Every vendor call of one job must fit in this; past it the job is retried later.
TIME_LIMIT = dt.timedelta(minutes=2)
MAX_DRAIN = 250
# A worker thread looks for work every `interval` when idle, and a job holds it for up to
# TIME_LIMIT: one not back within both and this margin is stuck.
STUCK_MARGIN = dt.timedelta(seconds=30)
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
class Lane:
    """Threads that take only some job kinds (`only`), or every kind but some (`exclude`),
    each claiming up to `batch` jobs in one transaction."""

    name: str
    threads: int
    only: frozenset[str] | None = None
    exclude: frozenset[str] = frozenset()
    batch: int = 1

    def takes(self, kind: str) -> bool:
        """True when this lane runs jobs of `kind`."""
        return (self.only is None or kind in self.only) and kind not in self.exclude


# Slack jobs take milliseconds: claiming a few at once spares a transaction (and on SQLite a
# turn at the write lock) per job. A vendor call can take minutes, so those are claimed singly.
LANES = (
    Lane("slack", threads=2, exclude=jobs.VENDOR_KINDS, batch=4),
    Lane("vendor", threads=2, only=jobs.VENDOR_KINDS),
)
ANY = Lane("any", threads=1)


def new_holder() -> str:
    """A lease holder id unique to this worker (a restarted process gets a new one)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class Worker:
    """Runs queued jobs; `run_once`/`drain` for tests and the CLI, `start` for `serve`."""

    def __init__(
        self,
        runner: Runner,
        handlers: Mapping[str, Handler],
        interval: float = 1.0,
        *,
        lease: dt.timedelta = DEFAULT_LEASE,
        lanes: Collection[Lane] = LANES,
        wake: JobWake | None = None,
    ) -> None:
        self.runner = runner
        self.handlers = handlers
        self.interval = interval
        self.lease = lease
        self.lanes = tuple(lanes)
        self.holder = new_holder()
        self._held: dict[int, float] = {}  # job id -> when it started (monotonic)
        self._held_lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = wake or JobWake()  # tells idle threads that jobs they take were committed
        self._threads: list[threading.Thread] = []
        self._events: list[threading.Event] = []  # what wakes each of the threads
        self._looked: dict[str, dt.datetime] = {}  # thread name -> when it last looked for work
        self._claimed = threading.local()  # jobs a thread claimed and has not run yet
        self._heartbeat: Heartbeat | None = None

    def run_once(self) -> int:
        """Claim one due job of any kind and run it here; return how many ran (0 or 1)."""
        with self._renewing():
            return int(self._run_next(ANY))

    def drain(self) -> int:
        """Run jobs here until none is due (bounded); return how many ran."""
        total = 0
        with self._renewing():
            while total < MAX_DRAIN and self._run_next(ANY):
                total += 1
        return total

    def start(self) -> None:
        """Run every lane in background threads until `stop`."""
        self._stop.clear()
        self._heartbeat = self._beat().__enter__()
        self._threads = [
            threading.Thread(
                target=self._loop,
                args=(lane, self._subscribed(lane)),
                name=f"seatkeeper-{lane.name}-{i}",
                daemon=True,
            )
            for lane in self.lanes
            for i in range(lane.threads)
        ]
        now = self.runner.clock.now()
        self._looked = {thread.name: now for thread in self._threads}
        for thread in self._threads:
            thread.start()

    def problem(self) -> str | None:
        """None while started, with every thread running and each back for work lately (a job
        may keep it away for up to its time limit); else what is wrong, in a few words."""
        if not self._threads or self._heartbeat is None:
            return "not running"
        if not self._heartbeat.alive:
            return "stopped: the renewal of job leases has ended"
        return next(filter(None, map(self._thread_problem, self._threads)), None)

    def _thread_problem(self, thread: threading.Thread) -> str | None:
        if not thread.is_alive():
            return f"stopped: thread {thread.name} has ended"
        now = self.runner.clock.now()
        away = int((now - self._looked.get(thread.name, now)).total_seconds())
        if away > (TIME_LIMIT + STUCK_MARGIN).total_seconds() + self.interval:
            return f"stuck: thread {thread.name} has not looked for work for {away} s"
        return None

    def wake(self) -> None:
        """New work was committed: look for it now instead of at the next interval."""
        self._wake.all()

    def stop(self, grace: float = 5.0) -> None:
        """Stop claiming, give running jobs `grace` seconds, and hand back what still runs."""
        self._stop.set()
        self._wake.all()
        end = time.monotonic() + grace
        for thread in self._threads:
            thread.join(timeout=max(end - time.monotonic(), 0))
        self._threads = []
        for event in self._events:
            self._wake.unsubscribe(event)
        self._events = []
        if self._heartbeat is not None:
            self._heartbeat.__exit__(None, None, None)
            self._heartbeat = None
        self._hand_back()

    def _subscribed(self, lane: Lane) -> threading.Event:
        event = self._wake.subscribe(lane.takes)
        self._events.append(event)
        return event

    def _loop(self, lane: Lane, wake: threading.Event) -> None:
        name = threading.current_thread().name
        while not self._stop.is_set():
            self._looked[name] = self.runner.clock.now()
            try:
                ran = self._run_next(lane)
            except Exception:
                log.exception("job worker (%s) failed; trying again shortly", lane.name)
                ran = False
            if not ran and not self._stop.is_set():
                wake.wait(self.interval)
                wake.clear()

    def _run_next(self, lane: Lane) -> bool:
        job = self._next(lane)
        if job is None:
            return False
        with self._held_lock:
            self._held[job.id or 0] = time.monotonic()  # its time limit runs from now
        try:
            self._run(job)
        finally:
            with self._held_lock:
                self._held.pop(job.id or 0, None)
        return True

    def _next(self, lane: Lane) -> Job | None:
        """The next job this thread claimed, claiming a batch when it has none left."""
        waiting: list[Job] = getattr(self._claimed, "jobs", [])
        if not waiting:
            waiting = self._claim(lane)
        self._claimed.jobs = waiting[1:]
        return waiting[0] if waiting else None

    def _claim(self, lane: Lane) -> list[Job]:
        with self.runner.uow() as uow:
            claimed = uow.jobs.claim(
                self.runner.clock.now(),
                self.lease,
                lane.batch,
                holder=self.holder,
                kinds=lane.only,
                exclude=lane.exclude,
            )
            uow.commit()
        with self._held_lock:
            for job in claimed:
                self._held[job.id or 0] = time.monotonic()
        return claimed

    def _run(self, job: Job) -> None:
        handler = self.handlers.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            with time_limit(TIME_LIMIT.total_seconds()):
                handler(job)
        except Exception as exc:
            self._failed(job, exc)
        else:
            self._finish(job)

    def _failed(self, job: Job, exc: Exception) -> None:
        if isinstance(exc, NotYet):
            self._defer(job, exc.until)
            return
        error = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, Gone):
            # What the job is about was removed: no retry can bring it back, so it ends now,
            # and there is nothing for IT to do about it.
            log.warning("job %s (%s) ends: %s", job.id, job.kind, error)
            self._finish(job, error=error, final=True, alarm=False)
            return
        delay = _wait_asked(exc, self.runner.clock.now())
        if _rate_limited(exc):
            log.warning("job %s (%s) is rate limited by Slack for %s s", job.id, job.kind, delay)
        elif _unreachable(exc):  # the network, not the code: one line, and it is retried
            log.warning("job %s (%s) could not reach Slack: %s", job.id, job.kind, exc)
        elif not isinstance(exc, Retryable):
            log.exception("job %s (%s) failed", job.id, job.kind)
        self._finish(job, error=error, delay=delay, final=_permanent(exc))

    def _finish(
        self,
        claimed: Job,
        *,
        error: str | None = None,
        delay: float | None = None,
        final: bool = False,
        alarm: bool = True,
    ) -> None:
        with self.runner.uow() as uow:
            job = uow.jobs.get(claimed.id or 0)
            if job is None or not self._still_ours(job, claimed):
                log.warning("job %s: another worker took it over; leaving it", claimed.id)
                return
            if error is None:
                jobs.succeed(job)
            else:
                now = self.runner.clock.now()
                given_up = jobs.fail(job, error, now=now, retry_after=delay, final=final)
                if given_up and alarm:
                    self._tell_it_job_died(uow, job)
            uow.commit()

    def _defer(self, claimed: Job, until: dt.datetime) -> None:
        with self.runner.uow() as uow:
            job = uow.jobs.get(claimed.id or 0)
            if job is not None and self._still_ours(job, claimed):
                jobs.defer(job, until)
                uow.commit()

    def _still_ours(self, job: Job, claimed: Job) -> bool:
        return (
            job.status == JobStatus.RUNNING
            and job.lease_holder == self.holder
            and job.claims == claimed.claims
        )

    @contextmanager
    def _renewing(self) -> Iterator[None]:
        if self._heartbeat is not None:  # the background heartbeat already renews
            yield
            return
        with self._beat():
            yield

    def _beat(self) -> Heartbeat:
        interval = self.lease.total_seconds() / 3
        return Heartbeat(self._renew_held, interval, "seatkeeper-job-leases")

    def _renew_held(self) -> None:
        """Extend the leases of jobs still within their time limit (a stuck one runs out)."""
        cutoff = time.monotonic() - TIME_LIMIT.total_seconds()
        with self._held_lock:
            ids = [job_id for job_id, started in self._held.items() if started > cutoff]
        if not ids:
            return
        with self.runner.uow() as uow:
            uow.jobs.renew(self.holder, ids, self.runner.clock.now() + self.lease)
            uow.commit()

    def _hand_back(self) -> None:
        """Give back every job this worker still holds, so another server takes it at once."""
        with self.runner.uow() as uow:
            held = uow.jobs.held_by(self.holder)
            for job in held:
                jobs.release(job)
            uow.commit()
        if held:
            log.info("handed back %d running job(s) on stopping", len(held))

    def _tell_it_job_died(self, uow: SqlUnitOfWork, job: Job) -> None:
        log.error(
            "job %s (%s) gave up after %s tries: %s", job.id, job.kind, job.attempts, job.last_error
        )
        if job.kind != jobs.IT_NOTICE and job.status == JobStatus.DEAD:
            text = f"Seatkeeper gave up on a {job.kind} job (#{job.id}) after {job.attempts} tries"
            notice = jobs.ITNotice(event="text", text=text, detail=job.last_error)
            jobs.enqueue(uow, self.runner.clock, notice, f"dead:{job.id}")


def _rate_limited(exc: Exception) -> TypeGuard[SlackApiError]:
    """True for Slack's HTTP 429 that outlasted the client's own retries."""
    return isinstance(exc, SlackApiError) and getattr(exc.response, "status_code", None) == 429


def _unreachable(exc: Exception) -> bool:
    """True when Slack's Web API could not be reached at all (no answer to act on)."""
    return isinstance(exc, URLError | ConnectionError | TimeoutError)


def _wait_asked(exc: Exception, now: dt.datetime) -> float | None:
    """Seconds the failure asked to wait before the next try (a 429's Retry-After), if any."""
    if isinstance(exc, Retryable):
        return exc.retry_after
    if _rate_limited(exc):
        headers = {name.lower(): value for name, value in exc.response.headers.items()}
        return retry_after_seconds(headers.get("retry-after"), now)
    return None


def _permanent(exc: Exception) -> bool:
    """True for a failure no retry can fix (a Slack error such as message_not_found)."""
    if isinstance(exc, BadPayload):
        return True
    if isinstance(exc, SlackApiError) and exc.response is not None:
        return exc.response.get("error") in PERMANENT_SLACK_ERRORS
    return False
