"""`seatkeeper run sync` lines: a dry run marks what it would change, never its errors."""

from __future__ import annotations

from bot.passes.sync import SyncReport
from workflows.sync import SeatDrift


def test_a_dry_run_marks_changes_and_leaves_errors_and_skips_as_they_are() -> None:
    report = SyncReport(
        apps=[SeatDrift("figma", found=["a@acme.com"]), SeatDrift("zoom", error="HTTP 401")],
        skipped=["miro"],
    )

    assert report.lines(dry_run=True) == [
        "would change: figma: 1 found, 0 gone, 0 tier changes, 0 activity updates",
        "zoom: HTTP 401",
        "miro: skipped (fulfilled by hand; import its seats from CSV)",
    ]
    assert report.lines()[0].startswith("figma: 1 found")
