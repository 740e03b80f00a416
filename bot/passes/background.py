"""Everything a `serve` process runs besides answering HTTP: the job worker and the passes."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine

from bot.jobs.worker import Worker
from bot.passes.digest import DigestPass
from bot.passes.housekeeping import Housekeeping
from bot.passes.reclaim import Reclaim
from bot.passes.reminders import Reminders
from bot.passes.scheduler import build_scheduler
from bot.passes.sync import SeatSync
from workflows.catalog import Schedule
from workflows.ports import Clock

HOUSEKEEPING = "17 3 * * *"


@dataclass(frozen=True)
class Passes:
    """The scheduled passes, each callable for one run."""

    sync: SeatSync
    reminders: Reminders
    reclaim: Reclaim
    digest: DigestPass
    housekeeping: Housekeeping

    def scheduled(self, schedule: Schedule) -> dict[str, tuple[str | None, Callable[[], object]]]:
        """Each pass's name, its crontab from the config (None: not scheduled) and its run."""
        return {
            "reminders": (schedule.reminders, self.reminders),
            "sync": (schedule.sync, self.sync),
            "reclaim": (schedule.reclaim, self.reclaim),
            "digest": (schedule.digest, self.digest),
            "housekeeping": (HOUSEKEEPING, self.housekeeping),
        }


class Background:
    """The job worker and the scheduler, started and stopped together (by `serve`)."""

    def __init__(
        self,
        worker: Worker,
        passes: dict[str, tuple[str | None, Callable[[], object]]],
        *,
        engine: Engine,
        clock: Clock,
        lease: dt.timedelta,
    ) -> None:
        self._worker = worker
        self._new_scheduler = lambda: build_scheduler(engine, clock, passes, lease=lease)
        self._scheduler: BackgroundScheduler | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the worker's threads and the scheduled passes."""
        with self._lock:
            self._scheduler = self._new_scheduler()
            self._worker.start()
            self._scheduler.start()

    def problems(self) -> dict[str, str | None]:
        """What is wrong with the worker and with the scheduler (None: nothing)."""
        with self._lock:
            running = self._scheduler is not None and self._scheduler.running
        return {"worker": self._worker.problem(), "scheduler": None if running else "not running"}

    def stop(self) -> None:
        """Stop scheduling, let running jobs finish briefly, hand back the rest."""
        with self._lock:
            if self._scheduler is not None:
                self._scheduler.shutdown(wait=False)
                self._scheduler = None
            self._worker.stop()

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Stopped for the length of the block (if running), then started again: for work that
        must not overlap the worker's, such as moving an injected clock ahead."""
        with self._lock:
            was_running = self._scheduler is not None
        if was_running:
            self.stop()
        try:
            yield
        finally:
            if was_running:
                self.start()
