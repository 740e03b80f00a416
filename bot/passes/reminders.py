"""The reminders pass: remind silent approvers, escalate, expire, move the waitlist."""

from __future__ import annotations

from dataclasses import dataclass

from bot.runtime.runner import Runner
from workflows.commands import Tick
from workflows.reminders import TickReport, tick


@dataclass(frozen=True)
class Reminders:
    """One pass of reminders, escalations, expiry and the waitlist."""

    runner: Runner

    def __call__(self) -> TickReport:
        """Do what is due."""
        return self.runner(tick, Tick())

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
