"""The real clock, and one that can be moved ahead (tests inject their own)."""

from __future__ import annotations

import datetime as dt
import threading


class SystemClock:
    """Now, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


class OffsetClock:
    """System time plus an offset that only moves forward: the sandbox jumps it by hours or days
    so reminders and deadlines come due without waiting, while time still passes as usual."""

    def __init__(self, offset: dt.timedelta = dt.timedelta(0)) -> None:
        if offset < dt.timedelta(0):
            raise ValueError(f"the offset must not be negative, not {offset}")
        self._offset = offset
        self._lock = threading.Lock()

    @property
    def offset(self) -> dt.timedelta:
        """How far ahead of the system clock this clock is."""
        return self._offset

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self._offset

    def advance(self, delta: dt.timedelta) -> dt.datetime:
        """Move ahead by `delta` (not negative); return the new now."""
        if delta < dt.timedelta(0):
            raise ValueError(f"the clock only moves forward, not by {delta}")
        with self._lock:
            self._offset += delta
        return self.now()

    def advance_to(self, moment: dt.datetime) -> dt.datetime:
        """Move ahead until now is `moment` (an aware time); a moment already past changes
        nothing. Returns the new now."""
        with self._lock:
            gap = moment - self.now()
            if gap > dt.timedelta(0):
                self._offset += gap
        return self.now()
