"""The GitHub fake and the Copilot connector keep to what GitHub documents.

GitHub's REST description (github/rest-api-description, api.github.com.2022-11-28.json, 12.9 MB)
is too large to ship in contracts/, so `DOCUMENTED` writes down, as data, what it says about the
four Copilot user management operations (copilot/get-copilot-organization-details,
copilot/list-copilot-seats, copilot/add-copilot-seats-for-users,
copilot/cancel-copilot-seat-assignment-for-users; https://docs.github.com/rest/copilot/
copilot-user-management?apiVersion=2022-11-28) and the `simple-user` and `basic-error` schemas.
Rate-limit statuses and headers come from "Rate limits for the REST API" on the same site.

`SCHEMA` does the same for the GraphQL API (one endpoint, `POST /graphql` with a JSON `query` and
`variables`: "Forming calls with GraphQL"): the types, fields and arguments of GitHub's public
schema (https://docs.github.com/graphql/overview/public-schema, as octokit/graphql-schema
publishes it in `schema.graphql`) that lead from `Query.organization` to SAML identities
(`Organization.samlIdentityProvider`, `OrganizationIdentityProvider.externalIdentities`,
`ExternalIdentity`, `ExternalIdentitySamlAttributes`, `UserEmailMetadata`) and to members'
verified-domain emails (`Organization.membersWithRole`, `User.organizationVerifiedDomainEmails`),
with `PageInfo` for cursor paging. GraphQL refusals are HTTP 200 with an `errors` list.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from connectors import github_copilot, github_identity
from connectors.github_copilot import GitHubCopilotConnector
from tests.fakes.clock import FakeClock
from tests.fakes.github import GRAPHQL, FakeGitHub, Selected, parse_selection, route_template
from tests.tracing import traced, value_paths
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
    GRAPHQL: Endpoint("graphql", frozenset({200, 401}), body=frozenset({"query", "variables"})),
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

# Each GraphQL type's fields as `name:Type(arguments)`; a field without a type is a scalar (or a
# list of scalars). Connections take `first` (1 to 100) and the `after` cursor.
CONNECTION = "totalCount pageInfo:PageInfo edges:{edge} nodes:{node}"
SCHEMA_TEXT = {
    "Query": "organization:Organization(login)",
    "Organization": (
        "id login name email samlIdentityProvider:OrganizationIdentityProvider "
        "membersWithRole:OrganizationMemberConnection(after,before,first,last)"
    ),
    "OrganizationIdentityProvider": (
        "id digestMethod idpCertificate issuer signatureMethod ssoUrl organization:Organization "
        "externalIdentities:ExternalIdentityConnection"
        "(after,before,first,last,login,membersOnly,userName)"
    ),
    "ExternalIdentityConnection": CONNECTION.format(
        edge="ExternalIdentityEdge", node="ExternalIdentity"
    ),
    "ExternalIdentityEdge": "cursor node:ExternalIdentity",
    "ExternalIdentity": (
        "guid id organizationInvitation samlIdentity:ExternalIdentitySamlAttributes "
        "scimIdentity:ExternalIdentityScimAttributes user:User"
    ),
    "ExternalIdentitySamlAttributes": (
        "attributes emails:UserEmailMetadata familyName givenName groups nameId username"
    ),
    "ExternalIdentityScimAttributes": (
        "emails:UserEmailMetadata familyName givenName groups username"
    ),
    "UserEmailMetadata": "primary type value",
    "PageInfo": "endCursor hasNextPage hasPreviousPage startCursor",
    "OrganizationMemberConnection": CONNECTION.format(edge="OrganizationMemberEdge", node="User"),
    "OrganizationMemberEdge": "cursor hasTwoFactorEnabled role node:User",
    "User": "id login name email organizationVerifiedDomainEmails(login)",
}
FIELD = re.compile(r"(\w+)(?::(\w+))?(?:\(([\w,]*)\))?")
SCHEMA: dict[str, dict[str, tuple[str, frozenset[str]]]] = {
    kind: {
        name: (of, frozenset(filter(None, args.split(","))))
        for name, of, args in FIELD.findall(fields)
    }
    for kind, fields in SCHEMA_TEXT.items()
}
# The GraphQL error envelope: the spec's `message`, `locations`, `path`, `extensions`, and the
# `type` GitHub adds (NOT_FOUND, FORBIDDEN, INSUFFICIENT_SCOPES, RATE_LIMIT, ...).
GRAPHQL_ERRORS = frozenset(
    {"errors", "errors[].message", "errors[].type", "errors[].path", "errors[].locations"}
    | {"errors[].locations[].line", "errors[].locations[].column", "errors[].extensions"}
)


def graphql_documented(path: str) -> bool:
    """A GraphQL answer's path (`data.organization.…` or `errors[].…`) the schema documents."""
    if path.startswith("errors"):
        return path in GRAPHQL_ERRORS
    names = path.replace("[]", "").split(".")
    if names[0] != "data":
        return False
    kind = "Query"
    for name in names[1:]:
        field = SCHEMA.get(kind, {}).get(name)
        if field is None:
            return False
        kind = field[0]
    return True


def documented(route: tuple[str, str], path: str) -> bool:
    """A field path of a successful answer on `route` that GitHub documents."""
    return graphql_documented(path) if route == GRAPHQL else path in DOCUMENTED[route].fields


def undocumented_selections(fields: dict[str, Selected], kind: str = "Query") -> list[str]:
    """The fields and arguments a GraphQL query selects that the schema does not have."""
    wrong = []
    for name, selected in fields.items():
        field = SCHEMA.get(kind, {}).get(name)
        if field is None:
            wrong.append(f"{kind}.{name}")
            continue
        wrong += [f"{kind}.{name}({arg}:)" for arg in sorted(set(selected.args) - field[1])]
        if selected.fields:
            wrong += undocumented_selections(selected.fields, field[0])
    return wrong


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
    github.add_member("monalisa", seat=True, last_active=NOW, verified_emails=["mona@acme.example"])
    github.add_member("newbie")
    github.link_saml("octocat", "octo@acme.example")
    github.link_saml("newbie", "S-1-5-21-7", "newbie@acme.example", "n.ewbie@acme.example")
    github.link_saml(None, "nobody@acme.example")
    with httpx.Client(transport=github.transport) as client:
        copilot = GitHubCopilotConnector(
            "copilot", "Copilot", "acme", github.token, client, page_size=2, now=clock.now
        )
        copilot.check()
        copilot.contract()
        copilot.assign(Assignee("newbie@acme.example", "newbie"), "business")
        copilot.revoke(Assignee("hubot"))
        copilot.list_seats()
        fails(copilot.assign, Assignee("ghost"), "business")  # 404
        fails(copilot.assign, Assignee("nobody@acme.example"), "business")  # no login linked
        github.rate_limit_next(403)
        fails(copilot.list_seats)
        github.rate_limit_next(429)
        fails(copilot.check)
        github.answer_next(500, {"message": "Server Error"})
        fails(copilot.contract)
        github.answer_next(200, {"errors": [{"type": "RATE_LIMIT", "message": "API rate limit"}]})
        fails(copilot.identities)  # GraphQL's rate limit comes with HTTP 200
        github.token_can_read_org = False
        fails(copilot.identities)  # INSUFFICIENT_SCOPES
        github.token_can_read_org = True
        github.saml_identities.clear()  # no SAML provider: members' verified-domain emails
        copilot.list_seats()
        github.verified_emails_visible = False
        copilot.check()  # FORBIDDEN on those emails: seats stay keyed by login
        github.seat_management_setting = "assign_all"
        fails(copilot.revoke, Assignee("octocat"))  # 422
        github.token_can_manage_billing = False
        fails(copilot.list_seats)  # 403
        stranger = GitHubCopilotConnector("copilot", "Copilot", "acme", "ghp_wrong", client)
        fails(stranger.check)  # 401
        fails(stranger.identities)  # 401 on /graphql
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
        route = (exchange.method, route_template(exchange.path))
        statuses.add(exchange.status)
        assert exchange.status in DOCUMENTED[route].statuses | RATE_LIMIT_STATUSES, exchange
        if exchange.status < 300:
            assert all(documented(route, path) for path in value_paths(exchange.answer)), exchange
        else:
            assert value_paths(exchange.answer) <= ERROR_FIELDS, exchange
        headers = {name.lower() for name in exchange.answer_headers}
        assert headers <= COMMON_HEADERS | DOCUMENTED[route].headers, exchange
    assert statuses == {200, 201, 401, 403, 404, 422, 429, 500}


def test_the_connector_calls_only_documented_routes_params_and_bodies_with_the_version() -> None:
    github = run_scenario()

    for exchange in github.exchanges:
        route = (exchange.method, route_template(exchange.path))
        endpoint = DOCUMENTED[route]
        assert set(exchange.params) <= endpoint.params, exchange
        assert set(exchange.body or {}) <= endpoint.body, exchange
        assert exchange.headers["authorization"].startswith("Bearer "), exchange
        if route != GRAPHQL:  # the REST media type and version; GraphQL has neither
            assert exchange.headers["accept"] == "application/vnd.github+json"
            assert exchange.headers["x-github-api-version"] == "2022-11-28"
    assert {(e.method, route_template(e.path)) for e in github.exchanges} == set(DOCUMENTED)


def test_the_connectors_graphql_queries_select_only_documented_fields_and_arguments() -> None:
    github = run_scenario()
    calls = github.requests_to(*GRAPHQL)

    assert {e.body["query"] for e in calls} == {
        github_identity.SAML_QUERY,
        github_identity.MEMBERS_QUERY,
    }
    for exchange in calls:
        query, variables = exchange.body["query"], exchange.body["variables"]
        assert undocumented_selections(parse_selection(query)) == []
        assert set(variables) == set(re.findall(r"\$(\w+)\s*:", query.split("{", 1)[0]))
        assert 1 <= variables["first"] <= 100


def test_the_saml_query_reads_each_identitys_name_id_emails_and_linked_login() -> None:
    organization = parse_selection(github_identity.SAML_QUERY)["organization"]
    connection = organization.fields["samlIdentityProvider"].fields["externalIdentities"]
    node = connection.fields["nodes"].fields

    assert set(organization.args) == {"login"}
    assert set(connection.args) == {"first", "after"}
    assert set(connection.fields["pageInfo"].fields) == {"hasNextPage", "endCursor"}
    assert set(node["samlIdentity"].fields) == {"nameId", "emails"}
    assert set(node["samlIdentity"].fields["emails"].fields) == {"value", "primary"}
    assert set(node["user"].fields) == {"login"}


def test_the_connector_reads_only_documented_fields(
    reads: dict[tuple[str, str], set[str]],
) -> None:
    run_scenario()

    for route, fields in reads.items():
        assert [f for f in sorted(fields) if not documented(route, f)] == [], route
    seats = reads[("GET", "/orgs/{org}/copilot/billing/seats")]
    assert {"seats[].assignee.login", "seats[].pending_cancellation_date"} <= seats
    assert "seat_breakdown.total" in reads[("GET", "/orgs/{org}/copilot/billing")]
    identities = "data.organization.samlIdentityProvider.externalIdentities"
    assert {
        f"{identities}.nodes[].samlIdentity.nameId",
        f"{identities}.nodes[].samlIdentity.emails[].value",
        f"{identities}.nodes[].user.login",
        f"{identities}.pageInfo.endCursor",
        "data.organization.membersWithRole.nodes[].organizationVerifiedDomainEmails",
        "errors[].type",
        "errors[].path",
    } <= reads[GRAPHQL]
