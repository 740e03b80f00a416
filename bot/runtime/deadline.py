"""A time limit for one job's vendor calls, enforced on every HTTP request it makes.

The worker sets the limit around a job; an httpx request hook on the shared client refuses a
request once the limit has passed and shortens each request's timeouts to what is left, so a
vendor that stalls (or answers page after page slowly) cannot hold a job, and its lease,
for longer than the limit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpx

_deadline: ContextVar[float | None] = ContextVar("seatkeeper_deadline", default=None)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Within this block, HTTP requests on clients with `enforce` end `seconds` from now."""
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def enforce(request: httpx.Request) -> None:
    """httpx request hook: refuse a request past the limit, cap its timeouts to the rest."""
    deadline = _deadline.get()
    if deadline is None:
        return
    left = deadline - time.monotonic()
    if left <= 0:
        raise httpx.TimeoutException("the job ran out of time for vendor calls", request=request)
    timeouts = request.extensions.get("timeout") or {}
    request.extensions["timeout"] = {
        name: left if value is None else min(value, left) for name, value in timeouts.items()
    } or dict.fromkeys(("connect", "read", "write", "pool"), left)
