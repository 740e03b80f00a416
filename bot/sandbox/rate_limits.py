"""Rate limits for fakes of APIs that refuse calls made too often, as Slack's Web API does."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass


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


@dataclass(frozen=True)
class Early:
    """A call that arrived after a refusal told its caller to wait, before that wait was over."""

    limited: str  # the method, or "method channel" for a per-channel limit
    seconds_early: float


class Limits:
    """A workspace's limits: per method, and per method and channel (Slack's 1 message a
    second in a channel); and the calls that came before a `Retry-After` they were given ran
    out. A call that arrived before the refusal was answered was already on its way: it is
    not counted as early."""

    def __init__(self) -> None:
        self._methods: dict[str, SlidingWindow] = {}
        self._per_channel: dict[str, tuple[int, float]] = {}
        self._channels: dict[str, SlidingWindow] = {}
        self._waits: dict[str, tuple[float, float]] = {}  # limited -> (refused at, open at)
        self.early: list[Early] = []

    def set(self, method: str, calls: int, per_seconds: float, *, per_channel: bool) -> None:
        """Limit `method` in the workspace, or in each channel; replaces the earlier limit."""
        if per_channel:
            SlidingWindow(calls, per_seconds)  # refuses a limit that makes no sense, now
            self._per_channel[method] = (calls, per_seconds)
            self._channels = {k: w for k, w in self._channels.items() if k.split()[0] != method}
        else:
            self._methods[method] = SlidingWindow(calls, per_seconds)

    def admit(self, method: str, channel: str, arrived: float, now: float) -> int | None:
        """Let the call through (None) or refuse it with the seconds to wait (Retry-After)."""
        keys = [method, f"{method} {channel}"] if channel else [method]
        for key in keys:
            self._note_early(key, arrived)
        for key in reversed(keys):  # a channel's refusal must not use up the workspace's room
            window = self._window(key, method)
            wait = window.admit(now) if window is not None else None
            if wait is not None:
                self.refused(key, now, wait)
                return wait
        return None

    def refused(self, limited: str, now: float, retry_after: float) -> None:
        """A refusal told callers of `limited` to wait `retry_after` seconds from `now`."""
        self._waits[limited] = (now, now + retry_after)

    def _note_early(self, limited: str, arrived: float) -> None:
        refused_at, open_at = self._waits.get(limited, (math.inf, 0.0))
        if refused_at <= arrived < open_at:
            self.early.append(Early(limited, open_at - arrived))

    def _window(self, key: str, method: str) -> SlidingWindow | None:
        if key == method:
            return self._methods.get(method)
        if method not in self._per_channel:
            return None
        if key not in self._channels:
            self._channels[key] = SlidingWindow(*self._per_channel[method])
        return self._channels[key]
