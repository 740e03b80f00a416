"""Google service-account OAuth: the JWT bearer grant (RFC 7523) with domain-wide delegation.

The service account signs a short-lived JWT (RS256) that names the admin it acts as (`sub`)
and the scopes it wants; Google's token endpoint trades it for an access token, which
`connectors.tokens` keeps until shortly before it expires. The token request goes through
`connectors.http.send` (transport errors, 5xx, 408, 412 and 429 are Retryable); its refusals
are worded here::

    invalid_grant                                 →  Rejected: key, subject or clock is wrong
    unauthorized_client, access_denied,
    invalid_scope                                 →  DelegationRefused (a Rejected): domain-wide
                                                     delegation lacks one of the scopes asked for
    invalid_client, any other 4xx                 →  Rejected, with Google's description

Google refuses a token outright when any scope it asks for is not delegated, so each token asks
for the scopes of one job: `ADMIN_SCOPES` for licences and the directory, `USAGE_SCOPES` for the
usage reports that only sharpen last activity (see `connectors.google_usage`). `SCOPES` is every
scope an admin should allow.

Messages name the app, the environment variable and the subject; never the key or assertion.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from connectors.http import Clock, Vendor, json_object, quoted, send, utc_now
from connectors.tokens import IssuedToken, TokenSource, lifetime_of
from workflows.ports import ConnectorError, Rejected

ADMIN_SCOPES = (
    "https://www.googleapis.com/auth/apps.licensing",
    "https://www.googleapis.com/auth/admin.directory.user.readonly",
)
USAGE_SCOPES = ("https://www.googleapis.com/auth/admin.reports.usage.readonly",)
SCOPES = (*ADMIN_SCOPES, *USAGE_SCOPES)  # what domain-wide delegation should allow
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
LIFETIME = dt.timedelta(hours=1)  # the longest assertion Google accepts
DELEGATION = ("unauthorized_client", "access_denied", "invalid_scope")


@dataclass(frozen=True)
class ServiceAccountKey:
    """The parts of a service account's JSON key that signing needs; `repr` hides the key."""

    variable: str
    client_email: str
    client_id: str
    key_id: str | None
    private_key: rsa.RSAPrivateKey = field(repr=False)


def load_key(app_name: str, variable: str, text: str) -> ServiceAccountKey:
    """Parse a service account JSON key, or a ConnectorError naming the variable (not the key)."""
    problem = f"{app_name}: the environment variable {variable} does not hold a service account"
    try:
        data = json.loads(text)
    except ValueError:
        raise ConnectorError(f"{problem} JSON key (it is not valid JSON)") from None
    if not isinstance(data, dict):
        raise ConnectorError(f"{problem} JSON key (it is not a JSON object)")
    if data.get("type", "service_account") != "service_account":
        raise ConnectorError(f"{problem} key (its type is {str(data.get('type'))[:40]!r})")
    missing = [name for name in ("client_email", "private_key") if not _text(data.get(name))]
    if missing:
        raise ConnectorError(f"{problem} JSON key (missing {', '.join(missing)})")
    return ServiceAccountKey(
        variable=variable,
        client_email=str(data["client_email"]),
        client_id=str(data.get("client_id") or "?"),
        key_id=_text(data.get("private_key_id")) or None,
        private_key=_rsa_key(str(data["private_key"]), problem),
    )


def build_assertion(
    key: ServiceAccountKey,
    subject: str,
    audience: str,
    issued: dt.datetime,
    scopes: Sequence[str] = ADMIN_SCOPES,
) -> str:
    """A signed JWT (RS256) asking to act as `subject` with `scopes` until an hour from now."""
    header: dict[str, str] = {"alg": "RS256", "typ": "JWT"}
    if key.key_id:
        header["kid"] = key.key_id
    iat = int(issued.timestamp())
    claims = {
        "iss": key.client_email,
        "sub": subject,
        "scope": " ".join(scopes),
        "aud": audience,
        "iat": iat,
        "exp": iat + int(LIFETIME.total_seconds()),
    }
    signing_input = f"{_b64_json(header)}.{_b64_json(claims)}".encode("ascii")
    signature = key.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input.decode('ascii')}.{_b64(signature)}"


class DelegationRefused(Rejected):
    """Google would not delegate the scopes a token asked for to the service account."""


@dataclass(frozen=True)
class ServiceAccount:
    """A service account acting as one admin (`subject`), and the token endpoint it asks."""

    client: httpx.Client
    app_name: str
    key: ServiceAccountKey
    subject: str
    token_url: str
    timeout: float | None = None
    now: Clock = utc_now

    def tokens(self, scopes: Sequence[str] = ADMIN_SCOPES) -> TokenSource:
        """Tokens with `scopes`, kept by the rule of `connectors.tokens`."""
        return TokenSource(lambda: self._fetch(tuple(scopes)), now=self.now)

    def _fetch(self, scopes: tuple[str, ...]) -> IssuedToken:
        assertion = build_assertion(self.key, self.subject, self.token_url, self.now(), scopes)
        response = send(
            self.client,
            Vendor(self.app_name, "Google's token endpoint", f"the key in {self.key.variable}"),
            "POST",
            self.token_url,
            data={"grant_type": JWT_BEARER, "assertion": assertion},
            timeout=self.timeout,
            now=self.now,
            refused=lambda response, said: self._error(response, said, assertion),
        )
        body = json_object(response) or {}
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise Rejected(f"{self.app_name}: Google's token endpoint answered without a token")
        return IssuedToken(token, lifetime_of(body))

    def _error(self, response: httpx.Response, said: str, assertion: str) -> Rejected:
        """Google's refusal in words that say what to fix; `said` is its description."""
        status = response.status_code
        code = quoted(_text((json_object(response) or {}).get("error")), [assertion])
        where = f"{self.app_name}: Google's token endpoint"
        account = f"the service account {self.key.client_email} in {self.key.variable}"
        if code == "invalid_grant":
            return Rejected(
                f"{where} refused {account} acting as {self.subject} (invalid_grant: {said}); "
                f"check that {self.subject} is an existing Workspace admin, that the key is "
                "current (not deleted or disabled) and that this machine's clock is right"
            )
        if code in DELEGATION:
            return DelegationRefused(
                f"{where} would not let {account} act as {self.subject} ({code}: {said}); in "
                "the Admin console (Security > API controls > Domain-wide delegation) allow "
                f"client id {self.key.client_id} the scopes {','.join(SCOPES)}"
            )
        return Rejected(
            f"{where} refused {account} (HTTP {status}, {code or 'error'}: {said}); "
            f"check the JSON key in {self.key.variable}"
        )


def _rsa_key(pem: str, problem: str) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ConnectorError(f"{problem} JSON key (its private_key is not a PEM key)") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConnectorError(f"{problem} JSON key (its private_key is not an RSA key)")
    return key


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64_json(value: Mapping[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode("utf-8"))
