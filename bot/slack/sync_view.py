"""The sync summary travels as a job payload; this turns it back into a view model."""

from __future__ import annotations

from messages.views import AppDriftLine, SyncSummary
from workflows import jobs


def summary_view(summary: jobs.SyncSummary) -> SyncSummary:
    """The job payload's summary as the view model `messages` renders."""
    apps = [
        AppDriftLine(a.app_name, a.found, a.gone, a.tier_changes, a.examples, a.error)
        for a in summary.apps
    ]
    return SyncSummary(apps, summary.joined, summary.left, summary.directory_error)
