"""Moving the app's clock ahead: the passes that came due in between run at their times, and
the worker sends what they queued, so reminders, escalations and reclaim deadlines can be
seen without waiting. The digest is left to `/license digest`; Slack's own clock (request
signatures, trigger ids) keeps real time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.bootstrap import Container
from bot.config.crontab import crontab_trigger
from bot.passes.scheduler import run_leased
from bot.runtime.clock import OffsetClock

ON_JUMP = ("reminders", "reclaim")  # the passes that run when their time comes in a jump
MAX_STEPS = 60  # a jump stops at most at this many reclaim times, the last ones coalesced
MAX_JUMP = dt.timedelta(days=60)


@dataclass
class Jump:
    """What one jump did: from when to when, how often each pass ran, how many jobs ran."""

    before: dt.datetime
    after: dt.datetime
    ran: dict[str, int] = field(default_factory=dict)
    jobs: int = 0

    def summary(self) -> str:
        """One line for people: the passes that ran and what the worker sent."""
        ran = [f"{name} ({count})" for name, count in self.ran.items() if count]
        passes = ", ".join(ran)
        return f"ran {passes or 'no scheduled pass'}; {self.jobs} queued jobs done"


def fire_times(crontab: str, after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """When `crontab` (UTC) fires after `after`, up to and including `until`."""
    trigger = crontab_trigger(crontab, dt.UTC)  # the scheduler's reading, day of week included
    times: list[dt.datetime] = []
    moment = after + dt.timedelta(microseconds=1)
    while True:
        fire = trigger.get_next_fire_time(None, moment)
        if fire is None or fire > until:
            return times
        times.append(fire)
        moment = fire + dt.timedelta(seconds=1)


class Timeline:
    """The app's clock and what runs as it moves."""

    def __init__(self, container: Container, clock: OffsetClock) -> None:
        self.container = container
        self.clock = clock

    def jump(self, delta: dt.timedelta) -> Jump:
        """Move the clock ahead by `delta`, stopping at each time a pass came due."""
        if not dt.timedelta(0) < delta <= MAX_JUMP:
            raise ValueError(f"a jump is more than nothing and at most {MAX_JUMP.days} days")
        container = self.container
        with container.background.paused():
            start = self.clock.now()
            end = start + delta
            schedule = container.passes.scheduled(container.config.schedule)
            due = {
                name: fire_times(crontab, start, end)
                for name, (crontab, _) in schedule.items()
                if name in ON_JUMP and crontab is not None
            }
            stops = sorted(set(due.get("reclaim", [])[-MAX_STEPS:]) | {end})
            report = Jump(start, end, dict.fromkeys(due, 0))
            previous = start
            for stop in stops:
                self.clock.advance_to(stop)
                for name, times in due.items():
                    if any(previous < moment <= stop for moment in times):
                        self._run(name, schedule[name][1])
                        report.ran[name] += 1
                report.jobs += container.worker.drain()
                previous = stop
            report.after = self.clock.now()
            return report

    def _run(self, name: str, job: object) -> None:
        container = self.container
        assert callable(job)
        run_leased(container.engine, self.clock, name, job, lease=container.lease)
