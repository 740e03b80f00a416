"""The reclaim pass: leavers' seats first, then every app's idle seats, deadlines and reviews."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from bot.runtime.runner import Runner
from workflows.commands import ReclaimLeavers, ScanApp
from workflows.reclaim import ReclaimReport, reclaim_leavers, scan_app

Progress = Callable[[str], None]
VERBS = {
    "prompt": ("asked keep or release", "to ask keep or release"),
    "remind": ("reminded", "to remind"),
    "reclaim": ("reclaimed", "to reclaim"),
    "review": ("sent to IT for review", "to send to IT for review"),
    "leaver": ("taken back from leavers", "to take back from leavers"),
    "ending": ("told their seat ends soon", "to tell their seat ends soon"),
    "close": ("closed without reclaiming", "to close without reclaiming"),
    "report": ("reported only", "to report only"),
}


@dataclass(frozen=True)
class Reclaim:
    """One reclaim pass, each app in its own transaction."""

    runner: Runner

    def __call__(self) -> None:
        """One scheduled pass."""
        self.run()

    def run(self, *, dry_run: bool = False, progress: Progress | None = None) -> ReclaimReport:
        """Take back leavers' seats, then ask, remind, reclaim or review each app's seats."""
        step = progress or (lambda _: None)
        run = self.runner.rehearse if dry_run else self.runner
        step("leavers")
        report = run(reclaim_leavers, ReclaimLeavers())
        for app in self.runner.config.apps:
            step(app.key)
            report.extend(run(scan_app, ScanApp(app.key)))
        return report


def describe(report: ReclaimReport, *, currency: str, dry_run: bool) -> list[str]:
    """The report for a terminal: a line per seat, then the totals with the monthly saving."""
    lines = [
        f"{line.action:<8} {line.app_key:<16} {line.email:<32} {line.tier_key:<14} {line.why}"
        + (f" ({currency} {line.monthly:.2f}/month)" if line.monthly else "")
        for line in report.lines
    ]
    which = 1 if dry_run else 0
    totals = [
        f"{report.count(action)} {words[which]}"
        for action, words in VERBS.items()
        if report.count(action)
    ]
    saving = sum(
        (line.monthly for line in report.lines if line.action in ("reclaim", "leaver")),
        Decimal(0),
    )
    head = "would be" if dry_run else "were"
    summary = f"seats that {head} touched: " + (", ".join(totals) or "none")
    return [*lines, summary, f"monthly saving of the seats taken back: {currency} {saving:.2f}"]
