"""A token bucket per API token: bursts are fine, a flood gets 429 with Retry-After.

Each process keeps its own buckets (a few bytes per token), so behind several replicas a
token may send up to that many times the rate; the point is to stop a runaway client from
starving everyone else, not to meter exactly.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from workflows.ports import Clock


@dataclass
class _Bucket:
    tokens: float
    at: float  # seconds since the epoch, when `tokens` was counted


class RateLimit:
    """Up to `burst` requests at once per key, refilled at `rate` a second."""

    def __init__(self, clock: Clock, *, rate: float, burst: int) -> None:
        self.clock, self.rate, self.burst = clock, rate, burst
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """None when `key` may make a request now (it is counted); else whole seconds to wait."""
        now = self.clock.now().timestamp()
        with self._lock:
            bucket = self._buckets.setdefault(key, _Bucket(float(self.burst), now))
            elapsed = max(now - bucket.at, 0.0)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
            bucket.at = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return None
            return max(1, math.ceil((1 - bucket.tokens) / self.rate))
