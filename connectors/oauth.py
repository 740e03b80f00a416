"""OAuth 2.0 client-credentials tokens (RFC 6749 §4.4), cached until shortly before they expire.

How a token endpoint failure maps onto the error tree of `workflows.ports`::

    transport error, timeout, 5xx, 408, 429  →  Retryable (``retry_after`` from Retry-After)
    invalid_client (wrong or expired secret) →  Rejected naming the variable that holds it
    unauthorized_client, invalid_scope, …    →  Rejected naming the setting to fix
    a body without an access token           →  Rejected

The secret never appears in a message: it is only sent as a form field, and any text quoted
back from the token endpoint has it redacted.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from connectors.http import Clock, retry_after_seconds, utc_now
from workflows.ports import Rejected, Retryable

T = TypeVar("T")
# Refresh this long before the token endpoint says the token expires (clock skew, slow calls).
EXPIRY_MARGIN = dt.timedelta(seconds=60)
RETRYABLE = frozenset({408, 429})
ERROR_CODE = re.compile(r"^\s*([A-Z]{2,}\d+)\b")  # e.g. AADSTS7000215 from Microsoft Entra


@dataclass(frozen=True)
class ClientCredentials:
    """What a client-credentials token request needs, and where its secret came from."""

    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    scope: str
    secret_env: str
    settings: str = "the client id and token URL"  # what to check when the request is refused


class TokenSource:
    """Fetches an access token for an app and reuses it until shortly before it expires."""

    def __init__(
        self,
        client: httpx.Client,
        credentials: ClientCredentials,
        *,
        app_name: str,
        issuer: str = "the token endpoint",
        timeout: float | None = None,
        now: Clock = utc_now,
    ) -> None:
        self._client = client
        self._credentials = credentials
        self._app_name = app_name
        self._issuer = issuer
        self._timeout = timeout
        self._now = now
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = dt.datetime.min.replace(tzinfo=dt.UTC)

    def token(self) -> str:
        """A valid access token: the cached one, or a fresh one from the token endpoint."""
        with self._lock:
            if self._token is None or self._now() >= self._expires_at:
                self._token, self._expires_at = self._fetch()
            return self._token

    def invalidate(self) -> None:
        """Forget the cached token, so the next call fetches a fresh one."""
        with self._lock:
            self._token = None

    def call(self, request: Callable[[str], T]) -> T:
        """Run `request(token)`; if a cached token is refused (401/403), retry once afresh."""
        cached = self._token is not None and self._now() < self._expires_at
        token = self.token()
        try:
            return request(token)
        except Rejected as exc:
            # `connectors.http.send` reports 401 and 403 as a bare Rejected; its subclasses
            # (unknown user, other 4xx) are about the call, not the token.
            if not cached or type(exc) is not Rejected:
                raise
        self.invalidate()
        return request(self.token())

    def _fetch(self) -> tuple[str, dt.datetime]:
        form = {
            "grant_type": "client_credentials",
            "client_id": self._credentials.client_id,
            "client_secret": self._credentials.client_secret,
            "scope": self._credentials.scope,
        }
        try:
            response = self._client.post(
                self._credentials.token_url,
                data=form,
                headers={"Accept": "application/json"},
                timeout=self._timeout if self._timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except httpx.TimeoutException as exc:
            raise Retryable(f"{self._app_name}: {self._issuer} timed out issuing a token") from exc
        except httpx.TransportError as exc:
            reason = self._redact(f"{type(exc).__name__}: {exc}")
            raise Retryable(f"{self._app_name}: could not reach {self._issuer} ({reason})") from exc
        body = self._body(response)
        if response.status_code >= 400:
            raise self._error(response, body)
        return self._token_from(body)

    def _body(self, response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            data = None
        if isinstance(data, dict):
            return data
        if response.status_code >= 500 or response.status_code in RETRYABLE:
            return {}
        raise Rejected(
            f"{self._app_name}: {self._issuer} answered the token request with something other "
            f"than JSON (HTTP {response.status_code}); check {self._credentials.settings}"
        )

    def _token_from(self, body: dict[str, Any]) -> tuple[str, dt.datetime]:
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise Rejected(f"{self._app_name}: {self._issuer} answered without an access token")
        try:
            lifetime = dt.timedelta(seconds=float(body.get("expires_in", 0)))
        except (TypeError, ValueError):
            lifetime = dt.timedelta(0)
        margin = min(EXPIRY_MARGIN, lifetime / 2)
        return token, self._now() + lifetime - margin

    def _error(self, response: httpx.Response, body: dict[str, Any]) -> Exception:
        status = response.status_code
        error = str(body.get("error") or f"HTTP {status}")
        code = ERROR_CODE.match(str(body.get("error_description") or ""))
        said = f"{error}, {code.group(1)}" if code else error
        prefix = f"{self._app_name}: {self._issuer}"
        credentials = self._credentials
        if status >= 500 or status in RETRYABLE:
            wait = retry_after_seconds(response.headers.get("Retry-After"), self._now())
            return Retryable(f"{prefix} could not issue a token ({said})", wait)
        if error == "invalid_client":
            return Rejected(
                f"{prefix} refused the client secret in {credentials.secret_env} ({said}); "
                "check it has not expired"
            )
        if error == "unauthorized_client":
            return Rejected(
                f"{prefix} does not accept client {credentials.client_id} ({said}); "
                f"check {credentials.settings}"
            )
        if error == "invalid_scope":
            return Rejected(f"{prefix} refused the scope {credentials.scope} ({said})")
        return Rejected(
            f"{prefix} refused the token request ({said}); check {credentials.settings}"
        )

    def _redact(self, text: str) -> str:
        return text.replace(self._credentials.client_secret, "[redacted]")
