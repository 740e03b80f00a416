"""Scheduled passes (APScheduler), each run under a database lease so one replica does it."""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from collections.abc import Callable

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine

from store.leases import release_lease, take_lease
from workflows.ports import Clock

log = logging.getLogger(__name__)
LEASE_TTL = dt.timedelta(hours=2)  # longer than any pass; only a crashed holder waits it out
HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def run_leased(engine: Engine, clock: Clock, name: str, job: Callable[[], object]) -> bool:
    """Run `job` if this process can take the lease `name`; False when another replica has it."""
    if not take_lease(engine, name, HOLDER, clock.now(), LEASE_TTL):
        log.info("skipping %s: another replica is running it", name)
        return False
    try:
        job()
    finally:
        release_lease(engine, name, HOLDER)
    return True


def build_scheduler(
    engine: Engine, clock: Clock, passes: dict[str, tuple[str | None, Callable[[], object]]]
) -> BackgroundScheduler:
    """A scheduler with one cron job per named pass (None = not scheduled)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    for name, (crontab, job) in passes.items():
        if crontab is None:
            continue
        scheduler.add_job(
            _guarded(engine, clock, name, job),
            CronTrigger.from_crontab(crontab, timezone="UTC"),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
        )
    return scheduler


def _guarded(
    engine: Engine, clock: Clock, name: str, job: Callable[[], object]
) -> Callable[[], None]:
    def run() -> None:
        try:
            run_leased(engine, clock, name, job)
        except Exception:
            log.exception("scheduled pass %s failed; it runs again at its next time", name)

    return run
