"""The Slack Web API client: it waits out rate limits, and counts every request it sends.

slack_sdk asks a client's retry handlers about every answer to every request (and every
request that got none), and Bolt gives each incoming request a client with its app client's
handlers. So one handler that retries nothing, first in the list, counts the Web API calls of
the listeners, the job worker and everything else that shares these handlers.

Slack's `Retry-After` is for the app, not for the one request that was refused: until it has
passed, every thread waits before calling that method (other methods go on), and the refused
request is tried again after it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler, default_retry_handlers
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web import SlackResponse

from bot.runtime.metrics import Metrics


class CallCounter(RetryHandler):
    """Counts each Web API request by method and outcome; never asks for a retry itself."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(max_retry_count=0)
        self.metrics = metrics

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        self.metrics.slack_api_answer(_method(request.url), _outcome(response))
        return False


class RetryAfterWaits(RetryHandler):
    """Remembers each method's `Retry-After`, makes callers of the method wait it out
    (`wait_for`), and tries a refused request again after it (up to `max_retry_count` times)."""

    def __init__(
        self,
        max_retry_count: int = 3,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._clock, self._sleep = clock, sleep
        self._open_at: dict[str, float] = {}  # method -> when Slack takes calls to it again
        self._lock = threading.Lock()

    def wait_for(self, method: str) -> None:
        """Block until `method` may be called: at once unless a Retry-After is still running."""
        while (delay := self._wait_left(method)) > 0:
            self._sleep(delay)

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        with self._lock:  # recorded even past the last retry: the job's next try waits too
            method = _method(request.url)
            self._open_at[method] = max(
                self._open_at.get(method, 0.0), self._clock() + _retry_after(response)
            )
        return state.current_attempt < self.max_retry_count

    def prepare_for_next_attempt(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        self.wait_for(_method(request.url))
        state.increment_current_attempt()

    def _wait_left(self, method: str) -> float:
        with self._lock:
            return self._open_at.get(method, 0.0) - self._clock()


class LimitedClient(WebClient):
    """A WebClient whose every call first waits out a Retry-After Slack gave its method."""

    def api_call(self, api_method: str, **kwargs: Any) -> SlackResponse:  # type: ignore[override]
        for handler in self.retry_handlers:
            if isinstance(handler, RetryAfterWaits):
                handler.wait_for(api_method)
        return super().api_call(api_method, **kwargs)


def _method(url: str) -> str:
    return urlsplit(url).path.rpartition("/")[2]


def _retry_after(response: HttpResponse) -> float:
    """The seconds Slack asked to wait (1 when it did not say, as slack_sdk assumes)."""
    values = {name.lower(): value for name, value in response.headers.items()}.get("retry-after")
    value = values[0] if isinstance(values, list) and values else values
    try:
        return max(float(str(value)), 0.0)
    except ValueError:
        return 1.0


def _outcome(response: HttpResponse | None) -> str:
    if response is None:
        return "unreachable"
    if response.status_code == 429:
        return "ratelimited"
    ok = response.status_code == 200 and (response.body or {}).get("ok") is True
    return "ok" if ok else "error"


def slack_client(token: str | None, base_url: str, metrics: Metrics) -> WebClient:
    """A counted Web API client that waits and retries when Slack answers 429."""
    return LimitedClient(
        token=token,
        base_url=base_url,
        retry_handlers=[CallCounter(metrics), RetryAfterWaits(max_retry_count=3)],
    )


def quick_client(client: WebClient, timeout: int) -> WebClient:
    """A client like `client`, counted alike, that gives up after `timeout` seconds and never
    waits out a rate limit (for calls made while Slack waits for our answer)."""
    counters = [handler for handler in client.retry_handlers if isinstance(handler, CallCounter)]
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=timeout,
        retry_handlers=[*counters, *default_retry_handlers()],
    )
