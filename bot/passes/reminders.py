"""One pass of a scheduled job, for `seatkeeper run …` (cron users and operators)."""

from __future__ import annotations

from bot.bootstrap import Container
from workflows.reminders import TickReport, tick


def run_reminders(container: Container, *, dry_run: bool = False) -> str:
    """Remind, escalate and expire what is due; with `dry_run`, only say what would happen."""
    if dry_run:
        with container.runner.uow() as uow:
            report = tick(uow=uow, config=container.config, clock=container.clock)
            uow.rollback()
    else:
        report = container.reminders()
        container.worker.drain()
    return _describe(report, dry_run)


def _describe(report: TickReport, dry_run: bool) -> str:
    verb = "would be" if dry_run else "were"
    parts = [
        f"{len(report.reminded)} reminded",
        f"{len(report.escalated)} escalated",
        f"{len(report.expired)} expired",
        f"{report.promoted} moved off the waitlist",
    ]
    return f"requests that {verb} touched: " + ", ".join(parts)
