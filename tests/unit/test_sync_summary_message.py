"""The IT channel's sync summary: valid Block Kit, inert text, bounded size."""

from __future__ import annotations

from bot.sandbox.blockkit import validate_message
from messages.render import sync_summary
from messages.views import AppDriftLine, SyncSummary


def test_a_summary_with_changes_failures_and_leavers_is_valid_and_says_so() -> None:
    summary = SyncSummary(
        apps=[
            AppDriftLine("Figma", 2, 1, 1, ("ann@acme.test",)),
            AppDriftLine("Okta", error="Okta: HTTP 503 <!channel>"),
        ],
        joined=3,
        left=("bo@acme.test",),
    )
    message = sync_summary(summary)
    assert validate_message(message) == []
    assert message["text"] == "Seat sync: 1 apps changed, 1 people left, some sources failed"
    assert "<!channel>" not in str(message["blocks"])


def test_a_summary_of_many_apps_and_leavers_stays_within_slacks_limits() -> None:
    apps = [
        AppDriftLine(f"App {n}", n, 0, 0, tuple(f"p{i}@acme.test" for i in range(5)))
        for n in range(60)
    ]
    left = tuple(f"leaver{n}@acme.test" for n in range(500))
    message = sync_summary(SyncSummary(apps=apps, left=left))
    assert validate_message(message) == []
    assert "500 people left" in message["text"]
    assert "…and 40 more apps" in str(message["blocks"])
