"""A clock tests move by hand."""

from __future__ import annotations

import datetime as dt


class FakeClock:
    """Starts at a fixed UTC time; `advance` moves it forward."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.current = start or dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> dt.datetime:
        """Move forward by a timedelta given as keyword arguments (hours=25, days=8)."""
        self.current += dt.timedelta(**delta)
        return self.current
