"""A fake Okta org for connector tests: an `httpx.MockTransport` handler over in-memory users,
one app and its assignments, answering in the shapes of the Okta Management API.

It pages lists with `Link: <…>; rel="next"` (at most `max_page` items a page), sends the
`X-Rate-Limit-*` headers on every answer, refuses a wrong token with E0000011, and can be told
to fail the next calls (429 with `X-Rate-Limit-Reset`, optionally `Retry-After`; 5xx). Every
request and answer is recorded in `requests`; `tests/contract/test_okta_fake_contract.py`
checks `ROUTES` and the recorded shapes against Okta's OpenAPI spec.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlencode

import httpx

OKTA_TOKEN = "00TestOktaApiToken-do-not-log"
BASE_URL = "https://acme.okta.example"
APP_ID = "0oa1figma0000000001"
RATE_LIMIT = 600
Resource = dict[str, Any]
Reply = tuple[int, Any, dict[str, str]]  # HTTP status, JSON body (None: empty), headers

# Every route the fake serves: (method, the spec's path template).
ROUTES: tuple[tuple[str, str], ...] = (
    ("GET", "/api/v1/apps/{appId}"),
    ("GET", "/api/v1/apps/{appId}/users"),
    ("POST", "/api/v1/apps/{appId}/users"),
    ("GET", "/api/v1/apps/{appId}/users/{userId}"),
    ("POST", "/api/v1/apps/{appId}/users/{userId}"),
    ("DELETE", "/api/v1/apps/{appId}/users/{userId}"),
    ("GET", "/api/v1/users"),
    ("GET", "/api/v1/users/{id}"),
)
ERRORS = {
    401: ("E0000011", "Invalid token provided"),
    404: ("E0000007", "Not found: Resource not found"),
    400: ("E0000031", "Invalid search criteria."),
    429: ("E0000047", "API call exceeded rate limit due to too many requests."),
    500: ("E0000009", "Internal Server Error"),
    503: ("E0000010", "Service is in read only mode"),
}
TERM = re.compile(r'^\s*([\w.]+)\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$', re.IGNORECASE)


@dataclass
class Recorded:
    """One request the fake answered, with its answer."""

    method: str
    route: str | None
    path: str
    params: dict[str, str]
    body: Any
    status: int
    answer: Any


class FakeOkta:
    """One Okta org with one app (`APP_ID`) whose assignments are the seats."""

    def __init__(
        self,
        *,
        token: str = OKTA_TOKEN,
        base_url: str = BASE_URL,
        app_id: str = APP_ID,
        label: str = "Figma",
        now: Callable[[], float] = time.time,
    ) -> None:
        self.token, self.base_url, self.app_id, self.label = token, base_url, app_id, label
        self.app_status = "ACTIVE"
        self.max_page = 200
        self.budget: int | None = None  # calls left in this window (then 429); None = plenty
        self._budget_resets = 0.0
        self.embed_users = True  # False: behave like an org that ignores expand=user
        self.users: dict[str, Resource] = {}
        self.assignments: dict[str, Resource] = {}  # Okta user id -> app user
        self.requests: list[Recorded] = []
        self._now = now
        self._ids = itertools.count(1)
        self._failures: deque[tuple[int, dict[str, str]]] = deque()

    # --- test controls ---------------------------------------------------------------

    def add_user(
        self,
        email: str,
        first: str = "",
        last: str = "",
        *,
        status: str = "ACTIVE",
        login: str | None = None,
        last_login: str | None = None,
        **profile: Any,
    ) -> Resource:
        """Create an Okta user (extra profile attributes as keywords); returns it."""
        user_id = f"00u{next(self._ids):017d}"
        user = {
            "id": user_id,
            "status": status,
            "created": "2024-01-02T09:00:00.000Z",
            "activated": "2024-01-02T09:00:00.000Z",
            "statusChanged": "2024-01-02T09:00:00.000Z",
            "lastLogin": last_login,
            "lastUpdated": "2024-01-02T09:00:00.000Z",
            "passwordChanged": None,
            "type": {"id": "oty1defaulttype00001"},
            "profile": {
                "firstName": first,
                "lastName": last,
                "email": email,
                "login": login or email,
                **profile,
            },
            "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
            "_links": {"self": {"href": f"{self.base_url}/api/v1/users/{user_id}"}},
        }
        self.users[user_id] = user
        return user

    def assign(
        self, user: Resource, created: str = "2024-03-04T10:00:00.000Z", **profile: Any
    ) -> None:
        """Assign `user` to the app directly (as an admin would in the console)."""
        self.assignments[user["id"]] = self._app_user(user, dict(profile), "USER", created)

    def fail_next(
        self, status: int = 429, *, reset_in: float = 30, retry_after: float | None = None
    ) -> None:
        """Make the next call fail with `status`; 429 carries X-Rate-Limit-Reset = now + reset_in
        and, when given, Retry-After. Failures queue up."""
        headers = self._rate_headers(0, reset_in) if status == 429 else {}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        self._failures.append((status, headers))

    def client(self) -> httpx.Client:
        """An httpx client whose every request this fake answers."""
        return httpx.Client(transport=httpx.MockTransport(self.handler))

    def calls(self, method: str | None = None, route: str | None = None) -> list[Recorded]:
        """Recorded requests, optionally only one method and/or route template."""
        return [r for r in self.requests if method in (None, r.method) and route in (None, r.route)]

    # --- dispatch --------------------------------------------------------------------

    def handler(self, request: httpx.Request) -> httpx.Response:
        """Answer one request as Okta would (the MockTransport entry point)."""
        body = json.loads(request.content) if request.content else None
        route, args = _route(request.method, request.url.path)
        status, answer, headers = self._answer(request, route, args, body)
        params = dict(request.url.params)
        self.requests.append(
            Recorded(request.method, route, request.url.path, params, body, status, answer)
        )
        content = b"" if answer is None else json.dumps(answer).encode()
        headers = {"Content-Type": "application/json", **headers} if content else headers
        return httpx.Response(status, content=content, headers=headers)

    def _answer(
        self, request: httpx.Request, route: str | None, args: list[str], body: Any
    ) -> Reply:
        if request.headers.get("Authorization") != f"SSWS {self.token}":
            return 401, _error(401), {}
        if self._failures:
            status, headers = self._failures.popleft()
            return status, _error(status), headers
        if route is not None and route.startswith("/api/v1/apps/"):
            app_id, *args = args
            route = route if app_id == self.app_id else None
        if route is None:
            return 404, _error(404, request.url.path), {}
        if self.budget == 0 and self._now() < self._budget_resets:
            return 429, _error(429), self._rate_headers(0, self._budget_resets - self._now())
        if self.budget == 0:
            self.budget = None  # the window reset: plenty again
        handler = getattr(self, "_" + _name(request.method, route))
        status, answer, headers = handler(request, args, body)
        return status, answer, {**headers, **self._spend()}

    def _spend(self) -> dict[str, str]:
        if self.budget is None:
            return self._rate_headers(RATE_LIMIT - 1, 60)
        self.budget = max(0, self.budget - 1)
        if self.budget == 0:
            self._budget_resets = self._now() + 60
        return self._rate_headers(self.budget, 60)

    def _rate_headers(self, remaining: int, reset_in: float) -> dict[str, str]:
        return {
            "X-Rate-Limit-Limit": str(RATE_LIMIT),
            "X-Rate-Limit-Remaining": str(remaining),
            "X-Rate-Limit-Reset": str(int(self._now() + reset_in)),
        }

    # --- routes ----------------------------------------------------------------------

    def _get_app(self, request: httpx.Request, _: list[str], __: Any) -> Reply:
        app = {
            "id": self.app_id,
            "name": "figma_saml",
            "label": self.label,
            "status": self.app_status,
            "signOnMode": "SAML_2_0",
            "created": "2023-05-06T07:08:09.000Z",
            "lastUpdated": "2023-05-06T07:08:09.000Z",
        }
        return 200, app, {}

    def _get_app_users(self, request: httpx.Request, _: list[str], __: Any) -> Reply:
        expand = request.url.params.get("expand") == "user" and self.embed_users
        items = [self._shown(a, expand) for a in self.assignments.values()]
        return self._page(request, items)

    def _post_app_users(self, request: httpx.Request, _: list[str], body: Any) -> Reply:
        user = self.users.get(str((body or {}).get("id")))
        if user is None:
            return 404, _error(404, str((body or {}).get("id"))), {}
        current = self.assignments.get(user["id"])
        profile = {**(current or {}).get("profile", {}), **(body.get("profile") or {})}
        created = current["created"] if current else "2024-06-01T12:00:00.000Z"
        app_user = self._app_user(user, profile, body.get("scope") or "USER", created)
        self.assignments[user["id"]] = app_user
        return 200, app_user, {}

    def _get_app_user(self, request: httpx.Request, args: list[str], _: Any) -> Reply:
        app_user = self.assignments.get(args[0])
        return (200, app_user, {}) if app_user else (404, _error(404, args[0]), {})

    def _post_app_user(self, request: httpx.Request, args: list[str], body: Any) -> Reply:
        app_user = self.assignments.get(args[0])
        if app_user is None:
            return 404, _error(404, args[0]), {}
        app_user["profile"] = dict((body or {}).get("profile") or {})
        return 200, app_user, {}

    def _delete_app_user(self, request: httpx.Request, args: list[str], _: Any) -> Reply:
        if self.assignments.pop(args[0], None) is None:
            return 404, _error(404, args[0]), {}
        return 204, None, {}

    def _get_users(self, request: httpx.Request, _: list[str], __: Any) -> Reply:
        params = request.url.params
        query, exact = params.get("search"), False
        if query is None:
            query, exact = params.get("filter"), True
        users = list(self.users.values())
        if query is None:  # a plain listing omits DEPROVISIONED users, as Okta's does
            return self._page(request, [u for u in users if u["status"] != "DEPROVISIONED"])
        terms = [TERM.match(term) for term in re.split(r"\s+or\s+", query, flags=re.IGNORECASE)]
        if not all(terms):
            return 400, _error(400), {}
        wanted = [(t[1], t[2].replace('\\"', '"')) for t in terms if t]
        found = [u for u in users if any(_eq(_field(u, a), v, exact) for a, v in wanted)]
        return self._page(request, found)

    def _get_user(self, request: httpx.Request, args: list[str], _: Any) -> Reply:
        key = unquote(args[0]).casefold()
        for user in self.users.values():
            if key in (user["id"].casefold(), user["profile"]["login"].casefold()):
                return 200, user, {}
        return 404, _error(404, args[0]), {}

    # --- shapes ----------------------------------------------------------------------

    def _app_user(self, user: Resource, profile: Resource, scope: str, created: str) -> Resource:
        links = f"{self.base_url}/api/v1/apps/{self.app_id}"
        return {
            "id": user["id"],
            "scope": scope,
            "status": "PROVISIONED",
            "created": created,
            "lastUpdated": created,
            "statusChanged": created,
            "syncState": "DISABLED",
            "credentials": {"userName": user["profile"]["login"]},
            "profile": profile,
            "_links": {
                "app": {"href": links},
                "user": {"href": f"{self.base_url}/api/v1/users/{user['id']}"},
            },
        }

    def _shown(self, app_user: Resource, expand: bool) -> Resource:
        if not expand:
            return app_user
        return {**app_user, "_embedded": {"user": self.users[app_user["id"]]}}

    def _page(self, request: httpx.Request, items: list[Resource]) -> Reply:
        params = dict(request.url.params)
        limit = min(int(params.get("limit") or 20), self.max_page)
        start = int(params.get("after") or 0)
        page = items[start : start + limit]
        url = f"{self.base_url}{request.url.path}"
        links = [f'<{url}?{urlencode(params)}>; rel="self"']
        if start + limit < len(items):
            more = urlencode({**params, "after": str(start + limit)})
            links.append(f'<{url}?{more}>; rel="next"')
        return 200, page, {"Link": ", ".join(links)}


def _route(method: str, path: str) -> tuple[str | None, list[str]]:
    for verb, template in ROUTES:
        pattern = "^" + re.sub(r"\{\w+\}", "([^/]+)", template) + "$"
        match = re.match(pattern, path)
        if match and verb == method:
            return template, list(match.groups())
    return None, []


def _name(method: str, template: str) -> str:
    names = {
        "/api/v1/apps/{appId}": "app",
        "/api/v1/apps/{appId}/users": "app_users",
        "/api/v1/apps/{appId}/users/{userId}": "app_user",
        "/api/v1/users": "users",
        "/api/v1/users/{id}": "user",
    }
    return f"{method.lower()}_{names[template]}"


def _field(user: Resource, attribute: str) -> str:
    value: Any = user
    for part in attribute.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return "" if value is None else str(value)


def _eq(actual: str, wanted: str, exact: bool) -> bool:
    return actual == wanted if exact else actual.casefold() == wanted.casefold()


def _error(status: int, what: str = "") -> Resource:
    code, summary = ERRORS.get(status, ("E0000009", "Internal Server Error"))
    if status == 404 and what:
        summary = f"{summary}: {what} (User)"
    return {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oae1fakeokta000000001",
        "errorCauses": [],
    }
