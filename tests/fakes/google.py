"""A fake Google: token endpoint, Licensing API, Directory users and Reports user usage, as a
MockTransport handler.

It checks what Google checks on the way in (the JWT assertion's RS256 signature, issuer,
audience, lifetime, subject and delegated scopes; a live bearer token on every API call, with
the scope its method needs), keeps licence assignments, users and their app usage in memory,
serves small pages, and can be told to fail. Usage reports lag like Google's: a day later than
`report_lag` days before today (Pacific time) is refused as not yet available, a day in
`partial_days` is answered with the "not available" warning and no reports, and a parameter
that `USAGE_PARAMETERS` does not know is ignored with a warning. It routes by `ROUTES` and
serves only the fields in `SHAPES`; the contract test walks both against Google's discovery
documents.
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
    handler: str = ""  # the FakeGoogle method that serves it: "_" + this, else the id's last part

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters if this route serves `method path`, else None."""
        pattern = "/" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path)
        found = re.fullmatch(pattern, path)
        return found.groupdict() if found and method == self.http_method else None


# Discovery document "name:version" of each API.
LICENSING, DIRECTORY, REPORTS = "licensing:v1", "admin:directory_v1", "admin:reports_v1"
USAGE_PATH = "admin/reports/v1/usage/users/{userKey}/dates/{date}"
# The scope each API's methods need from a token (one their discovery documents list).
NEEDS = {
    LICENSING: "https://www.googleapis.com/auth/apps.licensing",
    DIRECTORY: "https://www.googleapis.com/auth/admin.directory.user.readonly",
    REPORTS: "https://www.googleapis.com/auth/admin.reports.usage.readonly",
}
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
    Route(REPORTS, "reports.userUsageReport.get", "GET", USAGE_PATH, handler="usage"),
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
    REPORTS: {  # a dot steps into a nested object, or into the objects of a list
        "UsageReports": (
            *("kind", "etag", "warnings", "usageReports", "nextPageToken"),
            *("warnings.message", "warnings.data"),
            *("warnings.data.key", "warnings.data.value"),
        ),
        "UsageReport": (
            *("kind", "etag", "date", "entity", "parameters"),
            *("entity.customerId", "entity.userEmail", "entity.profileId", "entity.type"),
            *("parameters.name", "parameters.datetimeValue"),
        ),
    },
}
# User usage parameters by the names Google's User Usage parameter reference gives them (how a
# request asks), with the names its answers carry them under (as a datetimeValue).
USAGE_PARAMETERS = {
    "accounts:timestamp_last_login": "accounts:last_login_time",
    "gmail:timestamp_last_access": "gmail:last_access_time",
    "gmail:timestamp_last_interaction": "gmail:last_interaction_time",
    "drive:timestamp_last_active_usage": "drive:last_active_usage_time",
}
USAGE_APPS = re.compile(
    r"(accounts|classroom|cros|gmail|calendar|docs|gplus|sites|device_management|drive):[^,]+"
)
PACIFIC = dt.timezone(dt.timedelta(hours=-8))
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
    """An object of `schema` (or, for "Schema.field", of its nested field) with these fields."""
    name, _, within = schema.partition(".")
    declared = next(shapes[name] for shapes in SHAPES.values() if name in shapes)
    prefix = f"{within}." if within else ""
    unknown = {prefix + field for field in fields} - set(declared)
    assert not unknown, f"the fake would serve {name} fields it does not declare: {unknown}"
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
    usage: dict[str, dict[str, str]] = field(default_factory=dict)  # email → answer name → time
    report_lag: int = 2
    partial_days: set[dt.date] = field(default_factory=set)
    requests: list[httpx.Request] = field(default_factory=list)
    tokens: dict[str, tuple[dt.datetime, frozenset[str]]] = field(default_factory=dict)
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

    def use(self, email: str, parameter: str, when: str) -> None:
        """Record that the user last did what usage `parameter` (as requests name it) counts."""
        self.usage.setdefault(email.lower(), {})[USAGE_PARAMETERS[parameter]] = when

    def ready_until(self) -> dt.date:
        """The newest day whose usage report is ready."""
        return self.now().astimezone(PACIFIC).date() - dt.timedelta(days=self.report_lag)

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
        scopes = self._authorised(request)
        if scopes is None:
            raise Refusal(401, "Request had invalid authentication credentials.", "auth")
        for route in ROUTES:
            path = route.match(request.method, request.url.path)
            if path is not None and self._host_serves(route, request.url.host):
                if NEEDS[route.api] not in scopes:
                    raise Refusal(403, "Request had insufficient authentication scopes.")
                handler = route.handler or route.method_id.rsplit(".", 1)[1]
                return getattr(self, "_" + handler)(request, path)
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
        scopes = frozenset(str(claims.get("scope", "")).split())
        self.tokens[token] = (self.now() + dt.timedelta(seconds=3599), scopes)
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

    def _authorised(self, request: httpx.Request) -> frozenset[str] | None:
        """The scopes of the live bearer token the request carries, else None."""
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        expires, scopes = self.tokens.get(token, (None, frozenset()))
        live = scheme == "Bearer" and expires is not None and self.now() < expires
        return scopes if live else None

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

    def _usage(self, request: httpx.Request, path: Path) -> httpx.Response:
        query = request.url.params
        if query.get("customerId", self.customer_id) not in (self.customer_id, "my_customer"):
            raise Refusal(400, "Bad Request", "badRequest")
        day = self._report_day(path)
        asked = [name for name in query.get("parameters", "").split(",") if name]
        if any(not USAGE_APPS.fullmatch(name) for name in asked):
            raise Refusal(400, f"Invalid value '{query['parameters']}' for parameters")
        warnings = [_unknown_parameter(name) for name in asked if name not in USAGE_PARAMETERS]
        if day in self.partial_days:
            warnings.append(_not_available(day))
            body = _shaped("UsageReports", kind="admin#reports#usageReports", warnings=warnings)
            return httpx.Response(200, json=body)
        answers = {USAGE_PARAMETERS[name] for name in asked if name in USAGE_PARAMETERS}
        emails = [email for email in sorted(self.users) if path["userKey"] in ("all", email)]
        page, token = self._page(emails, query, 1000)
        reports = [self._usage_report(email, day, answers) for email in page]
        body = _shaped(
            "UsageReports",
            kind="admin#reports#usageReports",
            warnings=warnings or None,
            usageReports=reports,
        )
        return httpx.Response(200, json={**body, **_next(token, "UsageReports")})

    def _report_day(self, path: Path) -> dt.date:
        try:
            day = dt.date.fromisoformat(path["date"])
        except ValueError:
            raise Refusal(400, f"Invalid value '{path['date']}' for date") from None
        if day > self.ready_until():
            raise Refusal(
                400,
                f"Data for dates later than {self.ready_until()} is not yet available. "
                "Please check back later",
            )
        return day

    def _usage_report(self, email: str, day: dt.date, answers: set[str]) -> Json:
        user = self.users[email]
        entity = _shaped(
            "UsageReport.entity",
            customerId=self.customer_id,
            userEmail=email,
            profileId=user["id"],
            type="USER",
        )
        done = self.usage.get(email, {})
        parameters = [
            _shaped("UsageReport.parameters", name=name, datetimeValue=done[name])
            for name in sorted(answers & set(done))
        ]
        return _shaped(
            "UsageReport",
            kind="admin#reports#usageReport",
            date=day.isoformat(),
            entity=entity,
            parameters=parameters,
        )

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


def _unknown_parameter(name: str) -> Json:
    app, _, parameter = name.partition(":")
    message = f"Invalid parameter name {parameter} for application {app}."
    return _shaped("UsageReports.warnings", message=message)


def _not_available(day: dt.date) -> Json:
    detail = _shaped("UsageReports.warnings.data", key="application", value="gmail")
    return _shaped(
        "UsageReports.warnings",
        message=(
            f'Data for date {day} for application "gmail" is not available right now, '
            "please try again after a few hours."
        ),
        data=[detail],
    )


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
