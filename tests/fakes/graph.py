"""A fake Microsoft Graph v1.0 tenant and its Entra token endpoint, as an `httpx.MockTransport`.

Everything it serves or accepts is declared as data (`SERVED`, `ENTITY_SETS`, `ACTIONS`,
`FILTERS`), every JSON object it writes goes through `_typed`, which refuses undeclared names,
and `tests/contract/test_graph_fake_contract.py` checks the declarations against Graph's CSDL.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode

import httpx

GRAPH_URL = "https://graph.microsoft.com/v1.0"
LOGIN_HOST = "login.microsoftonline.com"
LOGIN_URL = f"https://{LOGIN_HOST}"
SCOPE = "https://graph.microsoft.com/.default"
TENANT_ID = "6f1d7a52-0c3e-4b8e-9a51-2d4c8e7b1a90"
CLIENT_ID = "0b7e5c1a-93f4-4d2e-8c6a-5e1f0a9d3b27"
CLIENT_SECRET = "fake~secret.value-do-not-log"

# CSDL type → property → CSDL type, for every property the fake writes or accepts.
SERVED: dict[str, dict[str, str]] = {
    "user": {
        "id": "Edm.String",
        "userPrincipalName": "Edm.String",
        "mail": "Edm.String",
        "accountEnabled": "Edm.Boolean",
        "createdDateTime": "Edm.DateTimeOffset",
        "assignedLicenses": "Collection(graph.assignedLicense)",
        "licenseAssignmentStates": "Collection(graph.licenseAssignmentState)",
        "signInActivity": "graph.signInActivity",
    },
    "assignedLicense": {"skuId": "Edm.Guid", "disabledPlans": "Collection(Edm.Guid)"},
    "licenseAssignmentState": {
        "skuId": "Edm.Guid",
        "assignedByGroup": "Edm.String",
        "state": "Edm.String",
        "lastUpdatedDateTime": "Edm.DateTimeOffset",
    },
    "signInActivity": {
        "lastSignInDateTime": "Edm.DateTimeOffset",
        "lastNonInteractiveSignInDateTime": "Edm.DateTimeOffset",
        "lastSuccessfulSignInDateTime": "Edm.DateTimeOffset",
    },
    "subscribedSku": {
        "id": "Edm.String",
        "skuId": "Edm.Guid",
        "skuPartNumber": "Edm.String",
        "capabilityStatus": "Edm.String",
        "consumedUnits": "Edm.Int32",
        "prepaidUnits": "graph.licenseUnitsDetail",
    },
    "licenseUnitsDetail": {"enabled": "Edm.Int32", "suspended": "Edm.Int32"},
}
ENTITY_SETS = {"users": "user", "subscribedSkus": "subscribedSku"}
ASSIGN_LICENSE = {
    "addLicenses": "Collection(graph.assignedLicense)",
    "removeLicenses": "Collection(Edm.Guid)",
}
ACTIONS = {"assignLicense": ("user", ASSIGN_LICENSE)}  # bound action → (binding type, parameters)
# $filter shapes the fake understands, as (type, property path) pairs.
FILTERS = (("user", "assignedLicenses/skuId"), ("user", "mail"))
DEFAULT_USER_FIELDS = ("id", "userPrincipalName", "mail")
INHERITED = "User license is inherited from a group membership and cannot be removed directly."


@dataclass
class Licence:
    """One licence assignment: direct, or inherited from a group."""

    sku_id: str
    group: str | None = None
    updated: str = "2026-01-05T10:00:00Z"

    def state(self) -> dict[str, Any]:
        state = {"skuId": self.sku_id, "assignedByGroup": self.group, "state": "Active"}
        return _typed("licenseAssignmentState", {**state, "lastUpdatedDateTime": self.updated})


@dataclass
class FakeUser:
    upn: str
    mail: str | None = None
    licences: list[Licence] = field(default_factory=list)
    sign_in: dict[str, str] = field(default_factory=dict)
    enabled: bool = True
    id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def sku_ids(self) -> set[str]:
        return {licence.sku_id for licence in self.licences}


@dataclass
class Sku:
    part_number: str
    enabled: int
    sku_id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class Failure:
    status: int
    path: str | None
    retry_after: str


class FakeGraph:
    """An in-memory tenant: SKUs, users with licences and sign-ins, and recorded requests."""

    def __init__(self, *, page_size: int = 2, token_lifetime: int = 3600) -> None:
        self.page_size = page_size
        self.token_lifetime = token_lifetime
        self.skus: dict[str, Sku] = {}
        self.users: list[FakeUser] = []
        self.requests: list[httpx.Request] = []
        self.client_secret = CLIENT_SECRET
        self.secret_expired = False
        self.premium = True  # Entra ID P1: signInActivity is readable
        self.valid_tokens: set[str] = set()
        self._failures: list[Failure] = []
        self._serial = itertools.count(1)

    def add_sku(self, part_number: str, enabled: int) -> str:
        """Subscribe the tenant to `enabled` units of a SKU; return its skuId."""
        sku = Sku(part_number, enabled)
        self.skus[sku.sku_id] = sku
        return sku.sku_id

    def add_user(self, upn: str, *skus: str, mail: str | None = None, **kw: Any) -> FakeUser:
        """Add a user holding the named SKUs directly."""
        ids = [self.sku_id(name) for name in skus]
        user = FakeUser(upn, mail, [Licence(sku_id) for sku_id in ids], **kw)
        self.users.append(user)
        return user

    def sku_id(self, part_number: str) -> str:
        return next(s.sku_id for s in self.skus.values() if s.part_number == part_number)

    def user(self, upn: str) -> FakeUser:
        return next(u for u in self.users if u.upn == upn)

    def fail_next(self, status: int, path: str | None = None, retry_after: str = "") -> None:
        """Answer the next Graph call (on `path`, if given) with `status` and `Retry-After`."""
        self._failures.append(Failure(status, path, retry_after))

    def expire_tokens(self) -> None:
        """Make every token issued so far invalid, as if it expired or was revoked."""
        self.valid_tokens.clear()

    def calls(self) -> list[str]:
        """`METHOD path` of each Graph request (not the token endpoint), in order."""
        return [f"{r.method} {r.url.path}" for r in self.requests if r.url.host != LOGIN_HOST]

    def token_requests(self) -> int:
        return sum(1 for r in self.requests if r.url.host == LOGIN_HOST)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request the way Entra ID and Graph do."""
        request.read()
        self.requests.append(request)
        if request.url.host == LOGIN_HOST:
            return self._token(request)
        failure = next((f for f in self._failures if f.path in (None, request.url.path)), None)
        if failure is not None:
            self._failures.remove(failure)
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return _graph_error(failure.status, "serviceNotAvailable", "Try again", headers)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in self.valid_tokens:
            return _graph_error(401, "InvalidAuthenticationToken", "Access token has expired.")
        return self._graph(request)

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = {key: values[0] for key, values in parse_qs(request.content.decode()).items()}
        if request.url.path != f"/{TENANT_ID}/oauth2/v2.0/token":
            return _oauth_error(400, "invalid_request", "AADSTS90002: Tenant not found.")
        if form.get("client_id") != CLIENT_ID:
            return _oauth_error(400, "unauthorized_client", "AADSTS700016: Application not found.")
        if form.get("client_secret") != self.client_secret:
            return _oauth_error(401, "invalid_client", "AADSTS7000215: Invalid client secret.")
        if self.secret_expired:
            return _oauth_error(401, "invalid_client", "AADSTS7000222: The secret is expired.")
        if form.get("grant_type") != "client_credentials" or form.get("scope") != SCOPE:
            return _oauth_error(400, "invalid_scope", "AADSTS1002012: Scope is not valid.")
        token = f"fake-graph-token-{next(self._serial)}"
        self.valid_tokens.add(token)
        body = {"token_type": "Bearer", "expires_in": self.token_lifetime, "access_token": token}
        return _ok(body)

    def _graph(self, request: httpx.Request) -> httpx.Response:
        parts = [unquote(p) for p in request.url.path.removeprefix("/v1.0/").split("/")]
        query = {key: values[0] for key, values in parse_qs(request.url.query.decode()).items()}
        if request.method == "GET" and parts == ["subscribedSkus"]:
            return _ok({"value": [self._sku_json(sku) for sku in self.skus.values()]})
        if request.method == "GET" and parts == ["users"]:
            return self._list_users(request, query)
        user = self._find(parts[1]) if len(parts) > 1 and parts[0] == "users" else None
        if len(parts) > 1 and parts[0] == "users" and user is None:
            message = f"Resource '{parts[1]}' does not exist."
            return _graph_error(404, "Request_ResourceNotFound", message)
        if user is not None and request.method == "GET" and len(parts) == 2:
            fields = _select(query)
            return _fields_error(fields) or _ok(self._user_json(user, fields))
        if user is not None and request.method == "POST" and parts[2:] == ["assignLicense"]:
            return self._assign_license(user, json.loads(request.content or b"{}"))
        return _graph_error(400, "BadRequest", f"Resource not found for the segment '{parts[0]}'.")

    def _list_users(self, request: httpx.Request, query: dict[str, str]) -> httpx.Response:
        if "$count" in query and request.headers.get("ConsistencyLevel") != "eventual":
            return _bad("$count needs the ConsistencyLevel: eventual header.")
        fields = _select(query)
        if error := _fields_error(fields):
            return error
        if "signInActivity" in fields and not self.premium:
            message = "Neither tenant is B2C or tenant doesn't have premium license"
            code = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"
            return _graph_error(403, code, message)
        matches = self._filter(query.get("$filter"))
        if matches is None:
            return _graph_error(400, "Request_UnsupportedQuery", "Unsupported query filter.")
        start = int(query.get("$skiptoken", 0))
        size = min(int(query.get("$top", 100)), self.page_size)
        page = matches[start : start + size]
        body: dict[str, Any] = {"value": [self._user_json(user, fields) for user in page]}
        if query.get("$count") == "true":
            body["@odata.count"] = len(matches)
        if start + size < len(matches):
            next_query = urlencode({**query, "$skiptoken": start + size})
            body["@odata.nextLink"] = f"{GRAPH_URL}/users?{next_query}"
        return _ok(body)

    def _filter(self, expression: str | None) -> list[FakeUser] | None:
        if expression is None:
            return list(self.users)
        prefix, suffix = "assignedLicenses/any(x:x/skuId eq ", ")"
        if expression.startswith(prefix) and expression.endswith(suffix):
            sku_id = expression[len(prefix) : -len(suffix)].lower()
            return [u for u in self.users if sku_id in u.sku_ids()]
        if expression.startswith("mail eq '") and expression.endswith("'"):
            mail = expression[len("mail eq '") : -1].replace("''", "'").lower()
            return [u for u in self.users if (u.mail or "").lower() == mail]
        return None

    def _assign_license(self, user: FakeUser, body: dict[str, Any]) -> httpx.Response:
        if set(body) != set(ACTIONS["assignLicense"][1]):
            return _bad("Both addLicenses and removeLicenses are required.")
        for item in body["addLicenses"]:
            sku = self.skus.get(str(_typed("assignedLicense", item).get("skuId")))
            if sku is None:
                return _bad("License is not a valid company License.")
            if sku.sku_id not in user.sku_ids() and self._consumed(sku) >= sku.enabled:
                return _bad(f"Subscription {sku.sku_id} does not have any available licenses.")
        for sku_id in body["removeLicenses"]:
            direct = [lic for lic in user.licences if lic.sku_id == sku_id and lic.group is None]
            if not direct:
                return _bad(INHERITED if sku_id in user.sku_ids() else "User has no such license.")
            user.licences.remove(direct[0])
        for item in body["addLicenses"]:
            if not any(lic.sku_id == item["skuId"] and lic.group is None for lic in user.licences):
                user.licences.append(Licence(item["skuId"], updated="2026-11-23T09:00:00Z"))
        return _ok(self._user_json(user, DEFAULT_USER_FIELDS))

    def _find(self, key: str) -> FakeUser | None:
        return next((u for u in self.users if key.lower() in (u.id, u.upn.lower())), None)

    def _consumed(self, sku: Sku) -> int:
        return sum(1 for user in self.users if sku.sku_id in user.sku_ids())

    def _sku_json(self, sku: Sku) -> dict[str, Any]:
        units = {"enabled": sku.enabled, "suspended": 0}
        every = {
            "id": f"{TENANT_ID}_{sku.sku_id}",
            "skuId": sku.sku_id,
            "skuPartNumber": sku.part_number,
            "capabilityStatus": "Enabled",
            "consumedUnits": self._consumed(sku),
            "prepaidUnits": _typed("licenseUnitsDetail", units),
        }
        return _typed("subscribedSku", every)

    def _user_json(self, user: FakeUser, fields: Iterable[str]) -> dict[str, Any]:
        every = {
            "id": user.id,
            "userPrincipalName": user.upn,
            "mail": user.mail,
            "accountEnabled": user.enabled,
            "createdDateTime": "2024-02-01T08:00:00Z",
            "assignedLicenses": [
                _typed("assignedLicense", {"skuId": s, "disabledPlans": []})
                for s in sorted(user.sku_ids())
            ],
            "licenseAssignmentStates": [lic.state() for lic in user.licences],
            "signInActivity": _typed("signInActivity", dict(user.sign_in)),
        }
        return _typed("user", {name: every[name] for name in fields})


def _typed(type_name: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data`, after checking each name is one `SERVED` declares for that CSDL type."""
    unknown = set(data) - set(SERVED[type_name])
    assert not unknown, f"the fake would serve {sorted(unknown)} on {type_name}, not in SERVED"
    return data


def _select(query: dict[str, str]) -> tuple[str, ...]:
    chosen = query.get("$select")
    return tuple(chosen.split(",")) if chosen else DEFAULT_USER_FIELDS


def _fields_error(fields: Iterable[str]) -> httpx.Response | None:
    unknown = [name for name in fields if name not in SERVED["user"]]
    if not unknown:
        return None
    return _bad(f"Could not find a property named '{unknown[0]}' on type 'microsoft.graph.user'.")


def _ok(body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, json=body)


def _bad(message: str) -> httpx.Response:
    return _graph_error(400, "Request_BadRequest", message)


def _graph_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(
        status, json={"error": {"code": code, "message": message}}, headers=headers
    )


def _oauth_error(status: int, error: str, description: str) -> httpx.Response:
    return httpx.Response(status, json={"error": error, "error_description": description})
