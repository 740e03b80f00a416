"""Slack Web API calls: `connectors.http.send`, then Slack's own failures read from the answer.

Slack reports ordinary failures as HTTP 200 with ``{"ok": false, "error": …, "needed": …}``;
`SlackWebApi.call` returns an answer that is ``ok`` and otherwise raises what the caller's
``refused(code, needed)`` makes of the error code and the scope Slack says is needed (both
quoted with the token redacted). HTTP 429 with Retry-After, 5xx and transport errors are
`send`'s to map.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import httpx

from connectors.http import Clock, Vendor, json_body, quoted, send, utc_now
from workflows.ports import ConnectorError

Json = dict[str, Any]
Refused = Callable[[str, str], ConnectorError]  # (Slack's error code, the scope it needs)
SLACKBOT = "USLACKBOT"  # Slackbot is not flagged `is_bot`, but it is nobody
AUTH_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)


class SlackWebApi:
    """Calls to Slack's Web API with one token."""

    def __init__(
        self,
        client: httpx.Client,
        token: str,
        vendor: Vendor,
        *,
        api_url: str,
        timeout: float | None = None,
        now: Clock = utc_now,
    ) -> None:
        self._client = client
        self._token = token
        self._vendor = vendor
        self._url = api_url.rstrip("/") + "/"
        self._timeout = timeout
        self._now = now

    def call(self, method: str, args: Mapping[str, str | int], refused: Refused) -> Json:
        """One method with `args` (a query string); its answer, which Slack said is ok."""
        response = send(
            self._client,
            self._vendor,
            "POST",
            self._url + method,
            headers={"Authorization": f"Bearer {self._token}"},
            params=args or None,
            timeout=self._timeout,
            now=self._now,
        )
        body = json_body(response, self._vendor)
        if body.get("ok") is True:
            return body
        code = quoted(str(body.get("error") or ""), [self._token]) or "unknown_error"
        raise refused(code, quoted(str(body.get("needed") or ""), [self._token]))
