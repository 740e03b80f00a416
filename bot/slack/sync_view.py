"""The sync summary travels as a job payload; this turns it back into a view model."""

from __future__ import annotations

from typing import Any

from messages.views import AppDriftLine, SyncSummary


def summary_view(payload: dict[str, Any]) -> SyncSummary:
    """The job payload back as the view model `messages` renders."""
    apps = [AppDriftLine(**{**a, "examples": tuple(a["examples"])}) for a in payload["apps"]]
    return SyncSummary(apps, payload["joined"], tuple(payload["left"]), payload["directory_error"])
