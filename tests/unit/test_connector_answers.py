"""Vendor answers that must not be mistaken for success: redirects, and group names spelt
differently from the tier keys."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from connectors.github_copilot import GitHubCopilotConnector
from connectors.http import Vendor, send
from connectors.scim import ScimConnector
from workflows.ports import Assignee, ConnectorError

Handler = Callable[[httpx.Request], httpx.Response]
SCIM_BASE = "https://scim.example/scim/v2"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def _client(handler: Handler) -> httpx.Client:
    # As production builds it (bot/bootstrap.py): redirects are not followed.
    return httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=False)


def _user(n: int) -> dict[str, object]:
    return {"id": f"u{n}", "userName": f"user{n}@example.com", "active": True}


def _list(resources: list[dict[str, object]], total: int) -> dict[str, object]:
    return {"schemas": [LIST], "totalResults": total, "Resources": resources}


def test_a_redirect_is_not_an_answer() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(301, headers={"Location": "https://elsewhere.example/x"})

    with _client(handler) as client, pytest.raises(ConnectorError):
        send(client, Vendor("App"), "GET", "https://vendor.example/users")


def test_scim_listing_that_is_redirected_mid_way_raises_instead_of_dropping_seats() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Groups"):
            return httpx.Response(200, json=_list([], 0))
        if request.url.params["startIndex"] == "1":
            return httpx.Response(200, json=_list([_user(1)], 2))
        return httpx.Response(302, headers={"Location": "https://login.example/"})

    with _client(handler) as client:
        scim = ScimConnector("app", "App", SCIM_BASE, "tok", client, tiers=["editor"], page_size=1)
        with pytest.raises(ConnectorError):
            scim.list_seats()  # actually returns [user1] only; sync marks user2 gone


def test_copilot_assign_answered_by_a_redirect_is_not_success() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # GitHub answers calls to a renamed organisation with a redirect.
        return httpx.Response(
            307, headers={"Location": "https://api.github.com/organizations/1/copilot"}
        )

    with _client(handler) as client:
        copilot = GitHubCopilotConnector("copilot", "Copilot", "old-org", "ghp_x", client)
        with pytest.raises(ConnectorError):
            copilot.assign(Assignee("octocat"), "business")


def test_scim_tier_is_the_tier_key_not_the_groups_spelling() -> None:
    group = {"id": "g1", "displayName": "Editor", "members": [{"value": "u1"}]}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Groups"):
            return httpx.Response(200, json=_list([group], 1))
        return httpx.Response(200, json=_list([_user(1)], 1))

    with _client(handler) as client:
        scim = ScimConnector("app", "App", SCIM_BASE, "tok", client, tiers=["viewer", "editor"])
        seats = scim.list_seats()

    assert [(seat.email, seat.tier) for seat in seats] == [("user1@example.com", "editor")]
