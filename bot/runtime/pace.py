"""A pacer: calls from any number of threads go out no faster than a given rate."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """Spaces callers of `wait` at least `1 / per_second` seconds apart, across threads.

    Each caller takes the next free turn under a lock and sleeps outside it, so turns are
    handed out in the order callers arrive and a sleeping caller holds up nobody but those
    after it. A quiet spell saves up no turns: the calls after it are spaced as ever.
    """

    def __init__(
        self,
        per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not per_second > 0:  # also refuses NaN
            raise ValueError(f"a pace is more than 0 calls a second, not {per_second}")
        self.gap = 1.0 / per_second
        self._clock, self._sleep = clock, sleep
        self._next: float | None = None  # the earliest the next turn may start
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until the caller's turn; the first call goes at once."""
        with self._lock:
            now = self._clock()
            turn = now if self._next is None else max(now, self._next)
            self._next = turn + self.gap
        if turn > now:
            self._sleep(turn - now)
