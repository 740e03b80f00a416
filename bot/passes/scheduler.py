"""Scheduled passes (APScheduler), each run under a database lease so one replica does it."""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from bot.config.crontab import crontab_trigger
from bot.runtime.heartbeat import Heartbeat
from store.leases import release_lease, renew_lease, take_lease
from workflows.ports import Clock

log = logging.getLogger(__name__)
# Unique per process start: a restarted container is often pid 1 on the same hostname again,
# and must not be taken for the process that held the lease before it.
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass
class _Renewal:
    """The heartbeat's beat: keeps the lease `name` while a pass runs, says once if it is lost."""

    engine: Engine
    clock: Clock
    name: str
    lease: dt.timedelta
    lost: bool = False

    def __call__(self) -> None:
        if self.lost:
            return
        if renew_lease(self.engine, self.name, HOLDER, self.clock.now(), self.lease):
            return
        self.lost = True
        # The pass cannot be stopped midway (it may be inside a vendor call or a transaction),
        # so it carries on to its end and may overlap another server's run; say so loudly.
        log.error(
            "lost the %s lease (holder %s): it was not renewed within %ss, so another server "
            "may be running the pass now; this run carries on to its end",
            self.name,
            HOLDER,
            self.lease.total_seconds(),
        )


def run_leased(
    engine: Engine,
    clock: Clock,
    name: str,
    job: Callable[[], object],
    *,
    lease: dt.timedelta,
) -> bool:
    """Run `job` if this process can take the lease `name`; False when another replica has it.

    The lease lasts `lease` and is renewed every third of it while the job runs, so a holder
    that dies frees it within `lease`; it is released when the job ends, however it ends.
    """
    if not take_lease(engine, name, HOLDER, clock.now(), lease):
        log.info("skipping %s: another replica is running it", name)
        return False
    renewal = _Renewal(engine, clock, name, lease)
    try:
        with Heartbeat(renewal, lease.total_seconds() / 3, f"lease-{name}"):
            job()
    finally:
        release_lease(engine, name, HOLDER)
    return True


def build_scheduler(
    engine: Engine,
    clock: Clock,
    passes: dict[str, tuple[str | None, Callable[[], object]]],
    *,
    lease: dt.timedelta,
) -> BackgroundScheduler:
    """A scheduler with one cron job per named pass (None = not scheduled)."""
    scheduler = BackgroundScheduler(timezone="UTC")
    for name, (crontab, job) in passes.items():
        if crontab is None:
            continue
        scheduler.add_job(
            _guarded(engine, clock, name, job, lease),
            crontab_trigger(crontab, dt.UTC),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
        )
    return scheduler


def _guarded(
    engine: Engine, clock: Clock, name: str, job: Callable[[], object], lease: dt.timedelta
) -> Callable[[], None]:
    def run() -> None:
        try:
            run_leased(engine, clock, name, job, lease=lease)
        except Exception:
            log.exception("scheduled pass %s failed; it runs again at its next time", name)

    return run
