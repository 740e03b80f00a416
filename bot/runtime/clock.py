"""The real clock (tests inject their own)."""

from __future__ import annotations

import datetime as dt


class SystemClock:
    """Now, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)
