"""A fake Google: token endpoint, Licensing API and Directory users, as a MockTransport handler.

It checks what Google checks on the way in (the JWT assertion's RS256 signature, issuer,
audience, lifetime, subject and delegated scopes; a live bearer token on every API call),
keeps licence assignments and users in memory, serves small pages, and can be told to fail.
It routes by `ROUTES` and serves only the fields in `SHAPES`; the contract test walks both
against Google's discovery documents.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from connectors.google_auth import JWT_BEARER, SCOPES

TOKEN_URL = "https://oauth2.googleapis.com/token"
LICENSING_HOST = "licensing.googleapis.com"
DIRECTORY_HOSTS = ("www.googleapis.com", "admin.googleapis.com")
SKU_PATH = "apps/licensing/v1/product/{productId}/sku/{skuId}"
Json = dict[str, Any]
Path = dict[str, str]


@dataclass(frozen=True)
class Route:
    """One API method the fake serves: discovery doc, method id, HTTP method, flat path."""

    api: str
    method_id: str
    http_method: str
    path: str

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters if this route serves `method path`, else None."""
        pattern = "/" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path)
        found = re.fullmatch(pattern, path)
        return found.groupdict() if found and method == self.http_method else None


LICENSING, DIRECTORY = "licensing:v1", "admin:directory_v1"  # discovery doc name:version
ROUTES = (
    Route(
        LICENSING, "licensing.licenseAssignments.listForProductAndSku", "GET", SKU_PATH + "/users"
    ),
    Route(LICENSING, "licensing.licenseAssignments.get", "GET", SKU_PATH + "/user/{userId}"),
    Route(LICENSING, "licensing.licenseAssignments.insert", "POST", SKU_PATH + "/user"),
    Route(LICENSING, "licensing.licenseAssignments.patch", "PATCH", SKU_PATH + "/user/{userId}"),
    Route(LICENSING, "licensing.licenseAssignments.update", "PUT", SKU_PATH + "/user/{userId}"),
    Route(LICENSING, "licensing.licenseAssignments.delete", "DELETE", SKU_PATH + "/user/{userId}"),
    Route(DIRECTORY, "directory.users.list", "GET", "admin/directory/v1/users"),
)
# The fields the fake serves, per discovery doc and schema.
SHAPES: dict[str, dict[str, tuple[str, ...]]] = {
    LICENSING: {
        "LicenseAssignment": ("kind", "etags", "selfLink", "userId", "productId", "skuId"),
        "LicenseAssignmentList": ("kind", "etag", "items", "nextPageToken"),
    },
    DIRECTORY: {
        "User": (
            *("kind", "id", "primaryEmail", "customerId"),
            *("creationTime", "lastLoginTime", "suspended"),
        ),
        "Users": ("kind", "etag", "users", "nextPageToken"),
    },
}
NEVER = "1970-01-01T00:00:00.000Z"


@dataclass(frozen=True)
class ServiceAccount:
    """A service account JSON key made for tests, and the public key that checks its JWTs."""

    json: str
    client_email: str
    client_id: str
    public_key: rsa.RSAPublicKey


@functools.cache
def service_account(
    email: str = "seatkeeper@seatkeeper-test.iam.gserviceaccount.com",
) -> ServiceAccount:
    """A freshly generated RSA key pair wrapped as a service account key (made once per run)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    client_id = "104242424242424242424"
    data = {"type": "service_account", "private_key_id": "test-key-1", "private_key": pem}
    data |= {"client_email": email, "client_id": client_id, "token_uri": TOKEN_URL}
    return ServiceAccount(json.dumps(data), email, client_id, key.public_key())


class Refusal(Exception):
    """A refused request: Google's JSON error body, or an OAuth one (RFC 6749 section 5.2)."""

    def __init__(self, status: int, message: str, reason: str = "invalid") -> None:
        super().__init__(message)
        detail = {"message": message, "reason": reason}
        body = {"error": {"code": status, "message": message, "errors": [detail]}}
        self.response = httpx.Response(status, json=body)

    @classmethod
    def oauth(cls, status: int, error: str, description: str) -> Refusal:
        """A token-endpoint error."""
        refusal = cls(status, description)
        body = {"error": error, "error_description": description}
        refusal.response = httpx.Response(status, json=body)
        return refusal


def _shaped(schema: str, **fields: Any) -> Json:
    declared = next(shapes[schema] for shapes in SHAPES.values() if schema in shapes)
    unknown = set(fields) - set(declared)
    assert not unknown, f"the fake would serve {schema} fields it does not declare: {unknown}"
    return {name: value for name, value in fields.items() if value is not None}


@dataclass
class FakeGoogle:
    """In-memory Google Workspace: users, licences (one SKU per user), tokens and failures."""

    account: ServiceAccount = field(default_factory=service_account)
    now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
    customer_id: str = "C0fake123"
    domain: str = "example.com"
    admins: set[str] = field(default_factory=lambda: {"admin@example.com"})
    delegated: set[str] = field(default_factory=lambda: set(SCOPES))
    product_id: str = "Google-Apps"
    skus: tuple[str, ...] = ("1010020027", "1010020028")
    page_size: int = 2
    users: dict[str, Json] = field(default_factory=dict)
    licences: dict[str, str] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)
    tokens: dict[str, dt.datetime] = field(default_factory=dict)
    failures: list[tuple[str, httpx.Response]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for admin in sorted(self.admins):  # a real customer always has its admins as users
            self.add_user(admin, "2025-01-01T00:00:00.000Z")

    def add_user(self, email: str, last_login: str = NEVER, *, suspended: bool = False) -> None:
        """Create a Directory user."""
        self.users[email.lower()] = _shaped(
            "User",
            kind="admin#directory#user",
            id=str(100 + len(self.users)),
            primaryEmail=email.lower(),
            customerId=self.customer_id,
            creationTime="2024-01-02T03:04:05.000Z",
            lastLoginTime=last_login,
            suspended=suspended,
        )

    def give(self, email: str, sku: str, last_login: str = NEVER) -> None:
        """Create the user if needed and assign them a licence on `sku`."""
        if email.lower() not in self.users:
            self.add_user(email, last_login)
        self.licences[email.lower()] = sku

    def fail(self, status: int, path: str = "", *, retry_after: str | None = None) -> None:
        """Answer the next request whose path contains `path` with this error."""
        response = Refusal(status, f"fake failure {status}", "backendError").response
        if retry_after is not None:
            response.headers["Retry-After"] = retry_after
        self.failures.append((path, response))

    def calls(self, contains: str = "") -> list[str]:
        """The requests made so far as "METHOD /path", optionally only those matching."""
        made = [f"{r.method} {r.url.path}" for r in self.requests]
        return [call for call in made if contains in call]

    def transport(self) -> httpx.MockTransport:
        """A transport that sends every request to this fake."""
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Serve one request."""
        self.requests.append(request)
        for index, (path, response) in enumerate(self.failures):
            if path in request.url.path:
                del self.failures[index]
                return response
        try:
            return self._route(request)
        except Refusal as refusal:
            return refusal.response

    def _route(self, request: httpx.Request) -> httpx.Response:
        if str(request.url.copy_with(query=None)) == TOKEN_URL and request.method == "POST":
            return self._token(request)
        if not self._authorised(request):
            raise Refusal(401, "Request had invalid authentication credentials.", "auth")
        for route in ROUTES:
            path = route.match(request.method, request.url.path)
            if path is not None and self._host_serves(route, request.url.host):
                return getattr(self, "_" + route.method_id.rsplit(".", 1)[1])(request, path)
        raise Refusal(404, f"no such method: {request.method} {request.url.path}")

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        if form.get("grant_type") != JWT_BEARER:
            raise Refusal.oauth(400, "unsupported_grant_type", "Invalid grant_type")
        claims = self._verified_claims(form.get("assertion", ""))
        if not set(str(claims.get("scope", "")).split()) <= self.delegated:
            raise Refusal.oauth(
                401,
                "unauthorized_client",
                "Client is unauthorized to retrieve access tokens using this method, or client "
                "not authorized for any of the scopes requested.",
            )
        token = f"ya29.fake-{len(self.tokens) + 1}"
        self.tokens[token] = self.now() + dt.timedelta(seconds=3599)
        body = {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}
        return httpx.Response(200, json=body)

    def _verified_claims(self, assertion: str) -> Json:
        try:
            header, claims, signature = (_unb64(part) for part in assertion.split("."))
            signed = assertion.rpartition(".")[0].encode()
            self.account.public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
            body = json.loads(claims)
            assert json.loads(header)["alg"] == "RS256"
        except (ValueError, InvalidSignature, AssertionError, KeyError):
            raise Refusal.oauth(400, "invalid_grant", "Invalid JWT Signature.") from None
        iat, exp = int(body.get("iat", 0)), int(body.get("exp", 0))
        if body.get("aud") != TOKEN_URL or body.get("iss") != self.account.client_email:
            raise Refusal.oauth(400, "invalid_grant", "Invalid JWT: wrong audience or issuer.")
        if not 0 < exp - iat <= 3600 or abs(iat - self.now().timestamp()) > 300:
            raise Refusal.oauth(
                400,
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a "
                "reasonable timeframe. Check your iat and exp values in the JWT claim.",
            )
        if body.get("sub") not in self.admins:
            raise Refusal.oauth(400, "invalid_grant", "Invalid email or User ID")
        return body

    def _authorised(self, request: httpx.Request) -> bool:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        expires = self.tokens.get(token)
        return scheme == "Bearer" and expires is not None and self.now() < expires

    def _host_serves(self, route: Route, host: str) -> bool:
        return host == LICENSING_HOST if route.api == LICENSING else host in DIRECTORY_HOSTS

    def _assignment(self, sku: str, email: str) -> httpx.Response:
        served = _shaped(
            "LicenseAssignment",
            kind="licensing#licenseAssignment",
            etags='"fake-etag"',
            selfLink=f"https://{LICENSING_HOST}/{SKU_PATH}/user/{email}",
            userId=email,
            productId=self.product_id,
            skuId=sku,
        )
        return httpx.Response(200, json=served)

    def _sku(self, path: Path, sku: object = None) -> str:
        sku = str(sku or path["skuId"])
        if path["productId"] != self.product_id or sku not in self.skus:
            raise Refusal(400, "Invalid productId or skuId")
        return sku

    def _held(self, path: Path) -> str:
        email = path["userId"].lower()
        if self.licences.get(email) != self._sku(path):
            raise Refusal(404, "User does not have a license for specified sku and product")
        return email

    def _listForProductAndSku(self, request: httpx.Request, path: Path) -> httpx.Response:
        if request.url.params.get("customerId") not in (self.customer_id, self.domain):
            raise Refusal(400, "Invalid customerId")
        sku = self._sku(path)
        held = sorted(email for email, on in self.licences.items() if on == sku)
        page, token = self._page(held, request.url.params, 1000)
        items = [self._assignment(sku, email).json() for email in page]
        body = _shaped("LicenseAssignmentList", kind="licensing#licenseAssignmentList", items=items)
        return httpx.Response(200, json={**body, **_next(token, "LicenseAssignmentList")})

    def _get(self, request: httpx.Request, path: Path) -> httpx.Response:
        return self._assignment(path["skuId"], self._held(path))

    def _insert(self, request: httpx.Request, path: Path) -> httpx.Response:
        email = str(json.loads(request.content).get("userId", "")).lower()
        sku = self._sku(path)
        if email not in self.users:
            raise Refusal(404, "User does not exist.", "notFound")
        if self.licences.get(email) == sku:
            raise Refusal(409, "User already has a license for the specified product and SKU")
        if email in self.licences:
            raise Refusal(400, "User already has a license for a different SKU", "duplicate")
        self.licences[email] = sku
        return self._assignment(sku, email)

    def _patch(self, request: httpx.Request, path: Path) -> httpx.Response:
        email = self._held(path)
        self.licences[email] = self._sku(path, json.loads(request.content).get("skuId"))
        return self._assignment(self.licences[email], email)

    _update = _patch

    def _delete(self, request: httpx.Request, path: Path) -> httpx.Response:
        del self.licences[self._held(path)]
        return httpx.Response(204)

    def _list(self, request: httpx.Request, path: Path) -> httpx.Response:
        query = request.url.params
        customer = query.get("customer") in ("my_customer", self.customer_id)
        if not customer and query.get("domain") != self.domain:
            raise Refusal(400, "Bad Request", "badRequest")
        if query.get("projection", "basic") not in ("basic", "custom", "full"):
            raise Refusal(400, "Invalid projection")
        page, token = self._page(sorted(self.users), query, 500)
        body = _shaped("Users", kind="admin#directory#users", users=[self.users[e] for e in page])
        return httpx.Response(200, json={**body, **_next(token, "Users")})

    def _page(
        self, keys: list[str], query: httpx.QueryParams, limit: int
    ) -> tuple[list[str], str | None]:
        try:
            size = int(query.get("maxResults", "100"))
            start = int(query.get("pageToken") or "0", 16)
        except ValueError:
            raise Refusal(400, "Invalid maxResults or pageToken") from None
        if not 1 <= size <= limit:
            raise Refusal(400, f"maxResults must be between 1 and {limit}")
        end = start + min(size, self.page_size)
        return keys[start:end], (format(end, "x") if end < len(keys) else None)


def _next(token: str | None, schema: str) -> Json:
    return _shaped(schema, nextPageToken=token)


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
