"""OAuth 2.0 client-credentials tokens (RFC 6749 §4.4), kept by the rule of `connectors.tokens`.

The token request goes through `connectors.http.send`, so transport errors, 5xx, 408, 412 and
429 are Retryable as for any call; a refusal is worded from the OAuth error in its body::

    invalid_client (wrong or expired secret) →  Rejected naming the variable that holds it
    unauthorized_client, invalid_scope, …    →  Rejected naming the setting to fix
    a body without an access token           →  Rejected

The secret never appears in a message: it is only sent as a form field, which `send` redacts
from any text it quotes, and the refusals here quote the OAuth error code the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import httpx

from connectors.http import Clock, Vendor, json_object, quoted, send, utc_now
from connectors.tokens import IssuedToken, TokenSource, lifetime_of
from workflows.ports import Rejected

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


def client_credentials(
    client: httpx.Client,
    credentials: ClientCredentials,
    *,
    app_name: str,
    issuer: str = "the token endpoint",
    timeout: float | None = None,
    now: Clock = utc_now,
) -> TokenSource:
    """Tokens for an app from its client credentials, kept by `connectors.tokens`' rule."""
    grant = _Grant(client, credentials, app_name, issuer, timeout, now)
    return TokenSource(grant.fetch, now=now)


class _Grant:
    """One client-credentials token request, and its refusals in words that say what to fix."""

    def __init__(
        self,
        client: httpx.Client,
        credentials: ClientCredentials,
        app_name: str,
        issuer: str,
        timeout: float | None,
        now: Clock,
    ) -> None:
        self._client = client
        self._credentials = credentials
        self._vendor = Vendor(app_name, issuer, f"the client secret in {credentials.secret_env}")
        self._app_name = app_name
        self._issuer = issuer
        self._timeout = timeout
        self._now = now

    def fetch(self) -> IssuedToken:
        """Ask the token endpoint for a token."""
        form = {
            "grant_type": "client_credentials",
            "client_id": self._credentials.client_id,
            "client_secret": self._credentials.client_secret,
            "scope": self._credentials.scope,
        }
        response = send(
            self._client,
            self._vendor,
            "POST",
            self._credentials.token_url,
            headers={"Accept": "application/json"},
            data=form,
            timeout=self._timeout,
            now=self._now,
            refused=lambda response, _detail: self._error(response),
        )
        return self._token_from(response)

    def _not_json(self, response: httpx.Response) -> Rejected:
        return Rejected(
            f"{self._app_name}: {self._issuer} answered the token request with something other "
            f"than JSON (HTTP {response.status_code}); check {self._credentials.settings}"
        )

    def _token_from(self, response: httpx.Response) -> IssuedToken:
        body = json_object(response)
        if body is None:
            raise self._not_json(response)
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise Rejected(f"{self._app_name}: {self._issuer} answered without an access token")
        return IssuedToken(token, lifetime_of(body))

    def _error(self, response: httpx.Response) -> Rejected:
        body = json_object(response)
        if body is None:
            return self._not_json(response)
        error = quoted(str(body.get("error") or ""), [self._credentials.client_secret])
        error = error or f"HTTP {response.status_code}"
        code = ERROR_CODE.match(str(body.get("error_description") or ""))
        said = f"{error}, {code.group(1)}" if code else error
        prefix = f"{self._app_name}: {self._issuer}"
        credentials = self._credentials
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
