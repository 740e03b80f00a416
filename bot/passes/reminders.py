"""The reminders pass: remind silent approvers, escalate, expire, move the waitlist; and alert
IT when a contract's notice deadline comes near."""

from __future__ import annotations

from dataclasses import dataclass

from bot.runtime.runner import Runner
from workflows.alerts import notice_alerts
from workflows.commands import NoticeAlerts, Tick
from workflows.reminders import TickReport, tick


@dataclass(frozen=True)
class Reminders:
    """One pass of reminders, escalations, expiry and the waitlist."""

    runner: Runner

    def __call__(self) -> TickReport:
        """Do what is due, and alert IT of notice deadlines that came near."""
        report = self.runner(tick, Tick())
        self.runner(notice_alerts, NoticeAlerts())
        return report

    def rehearse(self) -> TickReport:
        """Say what is due, changing nothing."""
        return self.runner.rehearse(tick, Tick())


def describe(report: TickReport, *, dry_run: bool) -> str:
    """One line for the terminal: how many requests were (or would be) touched, and how."""
    verb = "would be" if dry_run else "were"
    parts = [
        f"{len(report.reminded)} reminded",
        f"{len(report.escalated)} escalated",
        f"{len(report.expired)} expired",
        f"{report.promoted} moved off the waitlist",
    ]
    return f"requests that {verb} touched: " + ", ".join(parts)
