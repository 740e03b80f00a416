"""The GitHub fake and the Copilot connector keep to what GitHub documents.

GitHub's REST description (github/rest-api-description, api.github.com.2022-11-28.json, 12.9 MB)
is too large to ship in contracts/, so `DOCUMENTED` writes down, as data, what it says about the
four Copilot user management operations (copilot/get-copilot-organization-details,
copilot/list-copilot-seats, copilot/add-copilot-seats-for-users,
copilot/cancel-copilot-seat-assignment-for-users; https://docs.github.com/rest/copilot/
copilot-user-management?apiVersion=2022-11-28) and the `simple-user` and `basic-error` schemas.
Rate-limit statuses and headers come from "Rate limits for the REST API" on the same site.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from connectors import github_copilot
from connectors.github_copilot import GitHubCopilotConnector
from tests.fakes.clock import FakeClock
from tests.fakes.github import FakeGitHub, route_template
from workflows.ports import Assignee, ConnectorError


@dataclass(frozen=True)
class Endpoint:
    """One documented operation: its statuses, inputs and response fields (dotted, [] = item)."""

    operation: str
    statuses: frozenset[int]
    params: frozenset[str] = frozenset()
    body: frozenset[str] = frozenset()
    fields: frozenset[str] = frozenset()
    headers: frozenset[str] = frozenset()


def _under(prefix: str, names: str) -> set[str]:
    return {f"{prefix}.{name}" for name in names.split()}


SIMPLE_USER = (
    "login id node_id avatar_url gravatar_id url html_url followers_url following_url gists_url "
    "starred_url subscriptions_url organizations_url repos_url events_url received_events_url "
    "type site_admin starred_at user_view_type name email"
)
SEAT = (
    "assignee organization assigning_team pending_cancellation_date last_activity_at "
    "last_activity_editor last_authenticated_at created_at updated_at plan_type"
)
BREAKDOWN = (
    "total added_this_cycle pending_invitation pending_cancellation active_this_cycle "
    "inactive_this_cycle"
)
BILLING = "seat_breakdown public_code_suggestions ide_chat platform_chat cli "
BILLING += "seat_management_setting plan_type"
SELECTED = "/orgs/{org}/copilot/billing/selected_users"
DOCUMENTED: dict[tuple[str, str], Endpoint] = {
    ("GET", "/orgs/{org}/copilot/billing"): Endpoint(
        "copilot/get-copilot-organization-details",
        frozenset({200, 401, 403, 404, 422, 500}),
        fields=frozenset({*BILLING.split(), *_under("seat_breakdown", BREAKDOWN)}),
    ),
    ("GET", "/orgs/{org}/copilot/billing/seats"): Endpoint(
        "copilot/list-copilot-seats",
        frozenset({200, 401, 403, 404, 500}),
        params=frozenset({"page", "per_page"}),
        fields=frozenset(
            {"total_seats", "seats", *_under("seats[]", SEAT)}
            | _under("seats[].assignee", SIMPLE_USER)
        ),
        headers=frozenset({"link"}),
    ),
    ("POST", SELECTED): Endpoint(
        "copilot/add-copilot-seats-for-users",
        frozenset({201, 401, 403, 404, 422, 500}),
        body=frozenset({"selected_usernames"}),
        fields=frozenset({"seats_created"}),
    ),
    ("DELETE", SELECTED): Endpoint(
        "copilot/cancel-copilot-seat-assignment-for-users",
        frozenset({200, 401, 403, 404, 422, 500}),
        body=frozenset({"selected_usernames"}),
        fields=frozenset({"seats_cancelled"}),
    ),
}
ERROR_FIELDS = frozenset({"message", "documentation_url", "url", "status"})  # basic-error
RATE_LIMIT_STATUSES = frozenset({403, 429})
COMMON_HEADERS = frozenset(
    {
        "content-type",
        "retry-after",
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-used",
        "x-ratelimit-resource",
    }
)
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


class _Dict(dict[str, Any]):
    """A JSON object that notes which of its fields are read (as dotted paths)."""

    def __init__(self, data: dict[str, Any], path: str, reads: set[str]) -> None:
        super().__init__(data)
        self._path, self._reads = path, reads

    def _at(self, key: str) -> str:
        self._reads.add(f"{self._path}.{key}" if self._path else key)
        return f"{self._path}.{key}" if self._path else key

    def __getitem__(self, key: str) -> Any:
        return traced(super().__getitem__(key), self._at(key), self._reads)

    def get(self, key: str, default: Any = None) -> Any:
        return traced(super().get(key, default), self._at(key), self._reads)

    def __contains__(self, key: object) -> bool:
        self._at(str(key))
        return super().__contains__(key)


class _List(list[Any]):
    def __init__(self, data: list[Any], path: str, reads: set[str]) -> None:
        super().__init__(data)
        self._path, self._reads = path, reads

    def __iter__(self) -> Iterator[Any]:
        return (traced(item, f"{self._path}[]", self._reads) for item in list.__iter__(self))


def traced(value: Any, path: str, reads: set[str]) -> Any:
    """`value` wrapped so that reading its fields adds their paths to `reads`."""
    if isinstance(value, dict):
        return _Dict(value, path, reads)
    if isinstance(value, list):
        return _List(value, path, reads)
    return value


def paths(value: Any, prefix: str = "") -> set[str]:
    """Every field path in a JSON value, in the same notation."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found |= {path} | paths(item, path)
    elif isinstance(value, list):
        for item in value:
            found |= paths(item, f"{prefix}[]")
    return found


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], set[str]]:
    """The fields the connector reads from each route's successful answers."""
    seen: dict[tuple[str, str], set[str]] = defaultdict(set)
    real = github_copilot.json_body

    def tracing(response: httpx.Response, vendor: Any, **options: Any) -> Any:
        route = (response.request.method, route_template(response.request.url.path))
        return traced(real(response, vendor, **options), "", seen[route])

    monkeypatch.setattr(github_copilot, "json_body", tracing)
    return seen


def run_scenario() -> FakeGitHub:
    """Drive every route through the connector, including each documented kind of failure."""
    clock = FakeClock(NOW)
    github = FakeGitHub("acme", now=clock.now, cycle_ends=dt.date(2026, 11, 30))
    github.add_member("octocat", email="octo@github.example", seat=True, last_active=NOW)
    github.add_member("hubot", seat=True)
    github.add_member("monalisa", seat=True, last_active=NOW)
    github.add_member("newbie")
    with httpx.Client(transport=github.transport) as client:
        copilot = GitHubCopilotConnector(
            "copilot", "Copilot", "acme", github.token, client, page_size=2, now=clock.now
        )
        copilot.check()
        copilot.contract()
        copilot.assign(Assignee("newbie@acme.example", "newbie"), "business")
        copilot.revoke(Assignee("hubot"))
        copilot.list_seats()
        fails(copilot.assign, Assignee("ghost@acme.example", "ghost"), "business")  # 404
        github.rate_limit_next(403)
        fails(copilot.list_seats)
        github.rate_limit_next(429)
        fails(copilot.check)
        github.answer_next(500, {"message": "Server Error"})
        fails(copilot.contract)
        github.seat_management_setting = "assign_all"
        fails(copilot.revoke, Assignee("octocat"))  # 422
        github.token_can_manage_billing = False
        fails(copilot.list_seats)  # 403
        stranger = GitHubCopilotConnector("copilot", "Copilot", "acme", "ghp_wrong", client)
        fails(stranger.check)  # 401
    return github


def fails(call: Callable[..., object], *args: Any) -> None:
    """`call(*args)` raises a connector error."""
    with pytest.raises(ConnectorError):
        call(*args)


def test_the_fake_serves_exactly_the_documented_routes() -> None:
    assert set(FakeGitHub.ROUTES) == set(DOCUMENTED)


def test_every_answer_of_the_fake_has_a_documented_status_fields_and_headers() -> None:
    github = run_scenario()

    statuses = set()
    for exchange in github.exchanges:
        endpoint = DOCUMENTED[(exchange.method, route_template(exchange.path))]
        statuses.add(exchange.status)
        assert exchange.status in endpoint.statuses | RATE_LIMIT_STATUSES, exchange
        success = exchange.status < 300
        allowed = endpoint.fields if success else ERROR_FIELDS
        assert paths(exchange.answer) <= allowed, exchange
        headers = {name.lower() for name in exchange.answer_headers}
        assert headers <= COMMON_HEADERS | endpoint.headers, exchange
    assert statuses == {200, 201, 401, 403, 404, 422, 429, 500}


def test_the_connector_calls_only_documented_routes_params_and_bodies_with_the_version() -> None:
    github = run_scenario()

    for exchange in github.exchanges:
        endpoint = DOCUMENTED[(exchange.method, route_template(exchange.path))]
        assert set(exchange.params) <= endpoint.params, exchange
        assert set(exchange.body or {}) <= endpoint.body, exchange
        assert exchange.headers["accept"] == "application/vnd.github+json"
        assert exchange.headers["x-github-api-version"] == "2022-11-28"
    assert {(e.method, route_template(e.path)) for e in github.exchanges} == set(DOCUMENTED)


def test_the_connector_reads_only_documented_fields(
    reads: dict[tuple[str, str], set[str]],
) -> None:
    run_scenario()

    for route, fields in reads.items():
        assert fields <= DOCUMENTED[route].fields, route
    seats = reads[("GET", "/orgs/{org}/copilot/billing/seats")]
    assert {"seats[].assignee.login", "seats[].pending_cancellation_date"} <= seats
    assert "seat_breakdown.total" in reads[("GET", "/orgs/{org}/copilot/billing")]
