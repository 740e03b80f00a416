"""The Slack Web API client: it waits out rate limits, and counts every request it sends.

slack_sdk asks a client's retry handlers about every answer to every request (and every
request that got none), and Bolt gives each incoming request a client with its app client's
handlers. So one handler that retries nothing, first in the list, counts the Web API calls of
the listeners, the job worker and everything else that shares these handlers.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryHandler, default_retry_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

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
        method = urlsplit(request.url).path.rpartition("/")[2]
        self.metrics.slack_api_answer(method, _outcome(response))
        return False


def _outcome(response: HttpResponse | None) -> str:
    if response is None:
        return "unreachable"
    if response.status_code == 429:
        return "ratelimited"
    ok = response.status_code == 200 and (response.body or {}).get("ok") is True
    return "ok" if ok else "error"


def slack_client(token: str | None, base_url: str, metrics: Metrics) -> WebClient:
    """A counted Web API client that waits and retries when Slack answers 429."""
    return WebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[CallCounter(metrics), RateLimitErrorRetryHandler(max_retry_count=3)],
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
