"""Rate limits for fakes of APIs that refuse calls made too often, as Slack's Web API does."""

from __future__ import annotations

import math
from collections import deque


class SlidingWindow:
    """At most `calls` calls in any stretch of `per_seconds` seconds (a sliding window).

    Only calls it lets through count: a refused call takes no place in the window.
    """

    def __init__(self, calls: int, per_seconds: float) -> None:
        if calls < 1 or not per_seconds > 0:
            raise ValueError(
                f"a limit needs calls >= 1 and per_seconds > 0, not {calls}, {per_seconds}"
            )
        self.calls, self.per_seconds = calls, per_seconds
        self._taken: deque[float] = deque()  # when each call still in the window was let through

    def admit(self, now: float) -> int | None:
        """Let a call through at `now` (None), or refuse it: the whole seconds (at least 1) until
        the window has room again."""
        while self._taken and self._taken[0] <= now - self.per_seconds:
            self._taken.popleft()
        if len(self._taken) < self.calls:
            self._taken.append(now)
            return None
        return max(1, math.ceil(self._taken[0] + self.per_seconds - now))
