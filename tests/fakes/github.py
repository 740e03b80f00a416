"""A fake of GitHub's Copilot user management REST API, served through `httpx.MockTransport`.

It keeps to the shapes GitHub documents (checked by tests/contract/test_github_fake_contract.py):
`total_seats` + `seats` pages with a `Link` header, `seats_created` / `seats_cancelled`, and
`{"message", "documentation_url"}` errors. A cancelled seat stays listed, with
`pending_cancellation_date`, until the end of the billing cycle. Every response carries GitHub's
`x-ratelimit-*` headers; `answer_next` and `rate_limit_next` script failures.

It also serves the part of the GraphQL API (`POST /graphql`) that links logins to emails:
`organization(login:) { samlIdentityProvider { externalIdentities } membersWithRole }`, paged by
`first`/`after` cursors, answering exactly the fields a query selects (an unknown one is an
error, as on GitHub) and failing like GitHub does: HTTP 200 with `errors`. The organisation has
a SAML identity provider once `link_saml` gave it an identity; otherwise the provider is null.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import re
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar
from urllib.parse import urlencode

import httpx

DOCS = "https://docs.github.com/rest/copilot/copilot-user-management"
GRAPHQL = ("POST", "/graphql")
Reply = tuple[int, Any, dict[str, str]]  # HTTP status, JSON body (None: empty), extra headers


@dataclass
class Seat:
    """One Copilot seat as GitHub keeps it."""

    created_at: dt.datetime
    last_activity_at: dt.datetime | None = None
    last_activity_editor: str | None = None
    pending_cancellation_date: dt.date | None = None


@dataclass
class Member:
    """A member of the organisation; `seat` is None without Copilot."""

    login: str
    id: int
    email: str | None = None
    seat: Seat | None = None
    verified_emails: list[str] = field(default_factory=list)  # on the org's verified domains


@dataclass
class SamlIdentity:
    """One SAML identity of the organisation; `login` is None until someone signs in with it."""

    name_id: str
    emails: list[str]
    login: str | None = None


@dataclass(frozen=True)
class Exchange:
    """One request the fake received and what it answered."""

    method: str
    path: str
    params: dict[str, str]
    body: Any
    headers: dict[str, str]
    status: int
    answer: Any
    answer_headers: dict[str, str] = field(default_factory=dict)


class FakeGitHub:
    """The four Copilot user management endpoints of one organisation."""

    ROUTES: ClassVar[tuple[tuple[str, str], ...]] = (
        ("GET", "/orgs/{org}/copilot/billing"),
        ("GET", "/orgs/{org}/copilot/billing/seats"),
        ("POST", "/orgs/{org}/copilot/billing/selected_users"),
        ("DELETE", "/orgs/{org}/copilot/billing/selected_users"),
        GRAPHQL,
    )

    def __init__(
        self,
        org: str = "acme",
        token: str = "ghp_fake_token_0123456789",
        *,
        now: Callable[[], dt.datetime],
        cycle_ends: dt.date,
        plan_type: str = "business",
        seat_management_setting: str = "assign_selected",
        base_url: str = "https://api.github.com",
    ) -> None:
        self.org, self.token, self.base_url = org, token, base_url
        self.now, self.cycle_ends = now, cycle_ends
        self.plan_type = plan_type
        self.seat_management_setting = seat_management_setting
        self.token_can_manage_billing = True
        self.token_can_read_org = True
        self.verified_emails_visible = True  # False: GitHub answers FORBIDDEN for them
        self.members: dict[str, Member] = {}
        self.saml_identities: list[SamlIdentity] = []
        self.exchanges: list[Exchange] = []
        self._scripted: deque[Reply] = deque()

    @property
    def transport(self) -> httpx.MockTransport:
        """A transport for `httpx.Client(transport=…)`."""
        return httpx.MockTransport(self.handle)

    def add_member(
        self,
        login: str,
        *,
        email: str | None = None,
        seat: bool = False,
        last_active: dt.datetime | None = None,
        editor: str | None = "vscode/1.95.0",
        verified_emails: Sequence[str] = (),
    ) -> Member:
        """Add an organisation member, with a Copilot seat if asked."""
        member = Member(login, 1000 + len(self.members), email, None, list(verified_emails))
        if seat:
            member.seat = Seat(self.now(), last_active, editor if last_active else None)
        self.members[login.lower()] = member
        return member

    def link_saml(self, login: str | None, name_id: str, *emails: str) -> SamlIdentity:
        """Give the org a SAML identity (and so a provider), linked to member `login` or nobody."""
        identity = SamlIdentity(name_id, list(emails), login)
        self.saml_identities.append(identity)
        return identity

    def answer_next(
        self, status: int, body: Any = None, headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next request with this instead of serving it."""
        self._scripted.append((status, body, dict(headers or {})))

    def rate_limit_next(self, status: int = 403, reset_in: int = 60) -> None:
        """Answer the next request as GitHub does once the primary rate limit is spent."""
        reset = str(math.ceil(self.now().timestamp()) + reset_in)
        body = {"message": "API rate limit exceeded for user ID 1000.", "documentation_url": DOCS}
        self.answer_next(status, body, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset})

    def seat_of(self, login: str) -> Seat | None:
        """The seat `login` holds now (cancelled seats included until the cycle ends)."""
        self._expire()
        member = self.members.get(login.lower())
        return member.seat if member else None

    def requests_to(self, method: str, template: str) -> list[Exchange]:
        """The exchanges for one route, oldest first."""
        return [
            e for e in self.exchanges if (e.method, route_template(e.path)) == (method, template)
        ]

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Serve one request like GitHub would."""
        body = json.loads(request.content) if request.content else None
        status, answer, extra = self._scripted.popleft() if self._scripted else self._serve(request)
        headers = {**self._rate_headers(), **extra}
        self.exchanges.append(
            Exchange(
                request.method,
                request.url.path,
                dict(request.url.params),
                body,
                dict(request.headers),
                status,
                answer,
                headers,
            )
        )
        content = b"" if answer is None else json.dumps(answer).encode()
        headers["Content-Type"] = "application/json; charset=utf-8"
        return httpx.Response(status, content=content, headers=headers)

    def _serve(self, request: httpx.Request) -> Reply:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, "Bad credentials")
        route = (request.method, route_template(request.url.path))
        if route == GRAPHQL:
            return self._graphql(json.loads(request.content or b"{}"))
        if route not in self.ROUTES or request.url.path.split("/")[2].lower() != self.org.lower():
            return _error(404, "Not Found")
        if not self.token_can_manage_billing:
            return _error(403, "Resource not accessible by personal access token")
        self._expire()
        if route == self.ROUTES[0]:
            return 200, self._billing(), {}
        if route == self.ROUTES[1]:
            return self._seats(request.url.params)
        return self._selected_users(request)

    def _billing(self) -> dict[str, Any]:
        seats = [m.seat for m in self.members.values() if m.seat is not None]
        active = sum(1 for seat in seats if seat.last_activity_at is not None)
        return {
            "seat_breakdown": {
                "total": len(seats),
                "added_this_cycle": len(seats),
                "pending_invitation": 0,
                "pending_cancellation": sum(1 for s in seats if s.pending_cancellation_date),
                "active_this_cycle": active,
                "inactive_this_cycle": len(seats) - active,
            },
            "seat_management_setting": self.seat_management_setting,
            "public_code_suggestions": "block",
            "ide_chat": "enabled",
            "platform_chat": "enabled",
            "cli": "enabled",
            "plan_type": self.plan_type,
        }

    def _seats(self, params: httpx.QueryParams) -> Reply:
        per_page = min(int(params.get("per_page", 50)), 100)
        page = max(int(params.get("page", 1)), 1)
        held = [m for m in sorted(self.members.values(), key=lambda m: m.id) if m.seat]
        chunk = held[(page - 1) * per_page : page * per_page]
        last = max(1, math.ceil(len(held) / per_page))
        links = []
        if page < last:
            links.append(f'<{self._page_url(per_page, page + 1)}>; rel="next"')
            links.append(f'<{self._page_url(per_page, last)}>; rel="last"')
        body = {"total_seats": len(held), "seats": [self._seat(m) for m in chunk]}
        return 200, body, {"Link": ", ".join(links)} if links else {}

    def _seat(self, member: Member) -> dict[str, Any]:
        seat = member.seat
        assert seat is not None
        assignee: dict[str, Any] = {
            "login": member.login,
            "id": member.id,
            "node_id": f"MDQ6VXNlcj{member.id}",
            "url": f"{self.base_url}/users/{member.login}",
            "html_url": f"https://github.com/{member.login}",
            "type": "User",
            "site_admin": False,
        }
        if member.email:
            assignee["email"] = member.email
        pending = seat.pending_cancellation_date
        return {
            "created_at": _stamp(seat.created_at),
            "updated_at": _stamp(seat.created_at),
            "pending_cancellation_date": pending.isoformat() if pending else None,
            "last_activity_at": _stamp(seat.last_activity_at) if seat.last_activity_at else None,
            "last_activity_editor": seat.last_activity_editor,
            "plan_type": self.plan_type,
            "assignee": assignee,
        }

    def _selected_users(self, request: httpx.Request) -> Reply:
        if self.seat_management_setting != "assign_selected":
            return _error(
                422,
                "Your organization has enabled Copilot access for all members. Enable access "
                "for selected members in order to manage seats via the API.",
            )
        names = (json.loads(request.content or b"{}") or {}).get("selected_usernames")
        if not isinstance(names, list) or not names:
            return _error(422, "selected_usernames wasn't supplied.")
        members = [self.members.get(str(name).lower()) for name in names]
        if any(member is None for member in members):
            return _error(404, "Not Found")
        if request.method == "POST":
            return 201, {"seats_created": sum(self._add(m) for m in members if m)}, {}
        return 200, {"seats_cancelled": sum(self._cancel(m) for m in members if m)}, {}

    def _add(self, member: Member) -> int:
        if member.seat is None:
            member.seat = Seat(self.now())
            return 1
        member.seat.pending_cancellation_date = None  # re-adding keeps the seat it had
        return 0

    def _cancel(self, member: Member) -> int:
        if member.seat is None or member.seat.pending_cancellation_date is not None:
            return 0
        member.seat.pending_cancellation_date = self.cycle_ends
        return 1

    def _expire(self) -> None:
        today = self.now().date()
        for member in self.members.values():
            seat = member.seat
            if seat and seat.pending_cancellation_date and seat.pending_cancellation_date < today:
                member.seat = None

    def _graphql(self, payload: dict[str, Any]) -> Reply:
        variables = payload.get("variables") or {}
        try:
            query = parse_selection(str(payload.get("query") or ""))
            top = query.get("organization")
            if top is None or len(query) != 1:
                raise GraphQLFault("This fake serves organization(login:) queries only")
            login = str(_argument(top, "login", variables))
            if login.lower() != self.org.lower():
                message = f"Could not resolve to an Organization with the login of '{login}'."
                error = {"type": "NOT_FOUND", "path": ["organization"], "message": message}
                return 200, {"data": {"organization": None}, "errors": [error]}, {}
            if "samlIdentityProvider" in top.fields and not self.token_can_read_org:
                raise GraphQLFault(_SCOPES_MESSAGE, "INSUFFICIENT_SCOPES")
            data = _pick({"organization": self._organization(top, variables)}, query)
            return 200, {"data": data, **self._forbidden(data, top)}, {}
        except GraphQLFault as fault:
            error = {"message": str(fault), "locations": [{"line": 1, "column": 1}]}
            return 200, {"errors": [{**error, "type": fault.type} if fault.type else error]}, {}

    def _organization(self, top: Selected, variables: dict[str, Any]) -> dict[str, Any]:
        org: dict[str, Any] = {"login": self.org}
        if "samlIdentityProvider" in top.fields:
            provider = top.fields["samlIdentityProvider"]
            identities = [self._identity(n, i) for n, i in enumerate(self.saml_identities)]
            connection = provider.fields.get("externalIdentities")
            page = _connection(identities, connection, variables) if connection else None
            has_provider = bool(self.saml_identities)
            org["samlIdentityProvider"] = {"externalIdentities": page} if has_provider else None
        if "membersWithRole" in top.fields:
            members = [self._user(m) for m in sorted(self.members.values(), key=lambda m: m.id)]
            org["membersWithRole"] = _connection(members, top.fields["membersWithRole"], variables)
        return org

    def _forbidden(self, data: dict[str, Any], top: Selected) -> dict[str, Any]:
        """Hide members' verified-domain emails: null nodes and one FORBIDDEN error each."""
        members = data["organization"].get("membersWithRole")
        nodes = top.fields.get("membersWithRole", Selected({}, {})).fields.get("nodes")
        if self.verified_emails_visible or not members or not nodes:
            return {}
        if "organizationVerifiedDomainEmails" not in nodes.fields:
            return {}
        path = ["organization", "membersWithRole", "nodes"]
        message = "Resource not accessible by personal access token"
        errors = [
            {"type": "FORBIDDEN", "path": [*path, n, "organizationVerifiedDomainEmails"]}
            | {"message": message}
            for n in range(len(members["nodes"]))
        ]
        members["nodes"] = [None] * len(members["nodes"])
        return {"errors": errors} if errors else {}

    def _identity(self, number: int, identity: SamlIdentity) -> dict[str, Any]:
        member = self.members.get(identity.login.lower()) if identity.login else None
        emails = [
            {"value": email, "primary": n == 0, "type": "work"}
            for n, email in enumerate(identity.emails)
        ]
        return {
            "guid": f"0b1f{number:04d}-5e1d-4c4e-9e0a-7a1b2c3d4e5f",
            "id": f"MDE2OkV4dGVybmFsSWRlbnRpdHk{number}",
            "samlIdentity": {"nameId": identity.name_id, "username": None, "emails": emails},
            "scimIdentity": None,
            "user": self._user(member) if member else None,
        }

    def _user(self, member: Member) -> dict[str, Any]:
        return {
            "login": member.login,
            "id": f"MDQ6VXNlcj{member.id}",
            "email": member.email or "",
            "organizationVerifiedDomainEmails": list(member.verified_emails),
        }

    def _page_url(self, per_page: int, page: int) -> str:
        query = urlencode({"per_page": per_page, "page": page})
        return f"{self.base_url}/orgs/{self.org}/copilot/billing/seats?{query}"

    def _rate_headers(self) -> dict[str, str]:
        reset = str(math.ceil(self.now().timestamp()) + 3600)
        return {
            "x-ratelimit-limit": "5000",
            "x-ratelimit-remaining": "4999",
            "x-ratelimit-reset": reset,
            "x-ratelimit-used": "1",
            "x-ratelimit-resource": "core",
        }


@dataclass
class Selected:
    """One field a GraphQL query selects: its arguments (as written) and its own selection."""

    args: dict[str, str]
    fields: dict[str, Selected]


class GraphQLFault(Exception):
    """A query the fake answers with an `errors` entry (HTTP 200), as GitHub does."""

    def __init__(self, message: str, type_: str | None = None) -> None:
        super().__init__(message)
        self.type = type_


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\$?[A-Za-z_]\w*|-?\d+|[{}():!\[\]=@]|\.\.\.')
_NAME = re.compile(r"[A-Za-z_]\w*")
_SCOPES_MESSAGE = (
    "Your token has not been granted the required scopes to execute this query. The "
    "'samlIdentityProvider' field requires one of the following scopes: ['read:org'], but your "
    "token has only been granted the: ['manage_billing:copilot'] scopes. Please modify your "
    "token's scopes at: https://github.com/settings/tokens."
)


def parse_selection(query: str) -> dict[str, Selected]:
    """The fields one GraphQL operation selects (no fragments, aliases or directives)."""
    tokens = _TOKEN.findall(query)
    try:
        start = next(n for n, token in enumerate(tokens) if token == "{")
        fields, end = _selection(tokens, start)
    except (StopIteration, IndexError):
        raise GraphQLFault("Parse error: the query ends too early") from None
    if end != len(tokens):
        raise GraphQLFault(f"Parse error on {tokens[end]!r}")
    return fields


def _selection(tokens: list[str], at: int) -> tuple[dict[str, Selected], int]:
    at += 1  # past "{"
    fields: dict[str, Selected] = {}
    while tokens[at] != "}":
        name = tokens[at]
        if not _NAME.fullmatch(name):
            raise GraphQLFault(f"Parse error on {name!r} (fragments and directives: not served)")
        args: dict[str, str] = {}
        at += 1
        if tokens[at] == "(":
            at += 1
            while tokens[at] != ")":
                if tokens[at + 1] != ":":
                    raise GraphQLFault(f"Parse error on {tokens[at + 1]!r}")
                args[tokens[at]] = tokens[at + 2]
                at += 3
            at += 1
        selected: dict[str, Selected] = {}
        if tokens[at] == "{":
            selected, at = _selection(tokens, at)
        fields[name] = Selected(args, selected)
    return fields, at + 1


def _argument(selected: Selected, name: str, variables: dict[str, Any]) -> Any:
    """An argument's value: a `$variable` looked up, else the literal as written."""
    raw = selected.args.get(name)
    if raw is None:
        return None
    if raw.startswith("$"):
        return variables.get(raw[1:])
    return json.loads(raw) if raw[0] in '"-0123456789' else raw


def _connection(items: list[Any], selected: Selected, variables: dict[str, Any]) -> dict[str, Any]:
    """One page of a connection, by `first` (at most 100) and the `after` cursor."""
    first = _argument(selected, "first", variables)
    if not isinstance(first, int) or not 1 <= first <= 100:
        raise GraphQLFault("You must provide a `first` value between 1 and 100 to paginate")
    after = _argument(selected, "after", variables)
    start = int(base64.b64decode(after).decode().rsplit(":", 1)[1]) + 1 if after else 0
    chunk = items[start : start + first]
    cursors = [base64.b64encode(f"cursor:v2:{n}".encode()).decode() for n in range(len(items))]
    return {
        "totalCount": len(items),
        "pageInfo": {
            "hasNextPage": start + first < len(items),
            "endCursor": cursors[start + len(chunk) - 1] if chunk else None,
            "hasPreviousPage": start > 0,
            "startCursor": cursors[start] if chunk else None,
        },
        "nodes": chunk,
        "edges": [{"cursor": cursors[start + n], "node": node} for n, node in enumerate(chunk)],
    }


def _pick(value: Any, fields: dict[str, Selected]) -> Any:
    """Only the selected fields of `value`; selecting a field the fake lacks is an error."""
    if not fields or value is None:
        return value
    if isinstance(value, list):
        return [_pick(item, fields) for item in value]
    missing = sorted(set(fields) - set(value))
    if missing:
        raise GraphQLFault(f"Field '{missing[0]}' doesn't exist on this fake's types")
    return {name: _pick(value[name], selected.fields) for name, selected in fields.items()}


def route_template(path: str) -> str:
    """The documented path template of a request path (`/orgs/acme/…` → `/orgs/{org}/…`)."""
    return re.sub(r"^/orgs/[^/]+/", "/orgs/{org}/", path)


def _error(status: int, message: str) -> Reply:
    return status, {"message": message, "documentation_url": DOCS}, {}


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
