from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.scim import ScimConnector
from tests.fakes.scim_server import RunningScimServer, scim_server_fixture  # noqa: F401
from workflows.ports import Assignee, Rejected, SeatRecord, UnknownUser

ANN = Assignee(email="ann@example.com", name="Ann Archer")
TIERS = ("viewer", "editor")


class ScimAdmin:
    """Reads and seeds the server directly, as the vendor's own admin console would."""

    def __init__(self, server: RunningScimServer) -> None:
        headers = {"Authorization": f"Bearer {server.token}"}
        self.http = httpx.Client(base_url=server.base_url + "/", headers=headers)

    def create_group(self, name: str) -> None:
        schema = "urn:ietf:params:scim:schemas:core:2.0:Group"
        self.http.post("Groups", json={"schemas": [schema], "displayName": name}).raise_for_status()

    def user(self, email: str) -> dict[str, Any]:
        found = self.http.get("Users", params={"filter": f'userName eq "{email}"'}).json()
        assert found["totalResults"] == 1
        return found["Resources"][0]

    def group(self, name: str) -> dict[str, Any]:
        found = self.http.get("Groups", params={"filter": f'displayName eq "{name}"'}).json()
        return found["Resources"][0]

    def member_ids(self, name: str) -> set[str]:
        return {member["value"] for member in self.group(name).get("members", [])}

    def user_count(self) -> int:
        return self.http.get("Users", params={"count": 0}).json()["totalResults"]


@pytest.fixture
def admin(scim_server: RunningScimServer) -> Iterator[ScimAdmin]:
    admin = ScimAdmin(scim_server)
    for tier in TIERS:
        admin.create_group(tier)
    yield admin
    admin.http.close()


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def connector(server: RunningScimServer, client: httpx.Client, **options: Any) -> ScimConnector:
    options.setdefault("tiers", TIERS)
    options.setdefault("token_env", "FIGMA_SCIM_TOKEN")
    return ScimConnector("figma", "Figma", server.base_url, server.token, client, **options)


def test_assign_creates_the_user_and_puts_them_in_the_tier_group(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    connector(scim_server, client).assign(ANN, "editor")

    user = admin.user(ANN.email)
    assert user["active"] is True
    assert user["emails"] == [{"value": ANN.email, "primary": True, "type": "work"}]
    assert user["name"]["givenName"] == "Ann"
    assert admin.member_ids("editor") == {user["id"]}
    assert admin.member_ids("viewer") == set()


def test_assigning_the_same_seat_twice_changes_nothing_the_second_time(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    figma = connector(scim_server, client)
    figma.assign(ANN, "editor")
    before = (admin.user(ANN.email)["meta"]["version"], admin.group("editor")["meta"]["version"])

    figma.assign(ANN, "editor")

    after = (admin.user(ANN.email)["meta"]["version"], admin.group("editor")["meta"]["version"])
    assert after == before
    assert admin.user_count() == 1


def test_assign_finds_an_existing_user_by_email_when_the_user_name_differs(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    schema = "urn:ietf:params:scim:schemas:core:2.0:User"
    body = {"schemas": [schema], "userName": "aarcher", "emails": [{"value": ANN.email}]}
    admin.http.post("Users", json=body).raise_for_status()

    connector(scim_server, client).assign(ANN, "viewer")

    assert admin.user_count() == 1
    assert admin.member_ids("viewer") == {admin.user("aarcher")["id"]}


def test_assign_reactivates_an_inactive_user(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    figma = connector(scim_server, client)
    figma.assign(ANN, "viewer")
    figma.revoke(ANN)

    figma.assign(ANN, "viewer")

    assert admin.user(ANN.email)["active"] is True
    assert admin.user_count() == 1


def test_revoke_makes_the_server_report_the_user_inactive(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    figma = connector(scim_server, client)
    figma.assign(ANN, "viewer")

    figma.revoke(ANN)

    assert admin.user(ANN.email)["active"] is False


def test_revoking_someone_without_a_seat_or_already_revoked_changes_nothing(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    figma = connector(scim_server, client)
    figma.revoke(Assignee(email="nobody@example.com"))
    figma.assign(ANN, "viewer")
    figma.revoke(ANN)
    version = admin.user(ANN.email)["meta"]["version"]

    figma.revoke(ANN)

    assert admin.user(ANN.email)["meta"]["version"] == version


def test_list_seats_reads_every_page_and_skips_inactive_users(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    figma = connector(scim_server, client, page_size=2)
    people = [Assignee(email=f"user{n}@example.com") for n in range(5)]
    for n, person in enumerate(people):
        figma.assign(person, TIERS[n % 2])
    figma.revoke(people[4])
    pages: list[str] = []
    client.event_hooks["request"] = [lambda request: pages.append(str(request.url.params))]

    seats = sorted(figma.list_seats(), key=lambda seat: seat.email)

    assert [(seat.email, seat.tier) for seat in seats] == [
        ("user0@example.com", "viewer"),
        ("user1@example.com", "editor"),
        ("user2@example.com", "viewer"),
        ("user3@example.com", "editor"),
    ]
    assert all(seat.assigned_on is not None for seat in seats)
    assert [p for p in pages if "startIndex" in p] == [
        "startIndex=1&count=2",
        "startIndex=3&count=2",
        "startIndex=5&count=2",
    ]


def test_change_tier_moves_the_user_from_one_group_to_the_other(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    figma = connector(scim_server, client)
    figma.assign(ANN, "viewer")

    figma.change_tier(ANN, "editor")

    user_id = admin.user(ANN.email)["id"]
    assert admin.member_ids("editor") == {user_id}
    assert admin.member_ids("viewer") == set()
    [seat] = figma.list_seats()
    assert seat == SeatRecord(ANN.email, "editor", seat.assigned_on)


def test_change_tier_for_someone_the_service_does_not_know_is_an_unknown_user(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    with pytest.raises(UnknownUser, match=r"nobody@example\.com"):
        connector(scim_server, client).change_tier(Assignee("nobody@example.com"), "editor")


def test_assign_to_a_tier_without_a_group_is_rejected_before_creating_anyone(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    with pytest.raises(Rejected, match="no group named admin"):
        connector(scim_server, client).assign(ANN, "admin")

    assert admin.user_count() == 0


def test_with_tiers_as_roles_the_tier_is_the_users_primary_role(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    figma = connector(scim_server, client, tiers_as="roles")
    figma.assign(ANN, "viewer")
    figma.assign(ANN, "viewer")
    figma.change_tier(ANN, "editor")

    assert admin.user(ANN.email)["roles"] == [{"value": "editor", "primary": True}]
    assert [seat.tier for seat in figma.list_seats()] == ["editor"]
    assert admin.member_ids("editor") == set()


def test_with_one_tier_and_tiers_as_none_a_seat_is_an_active_user_in_no_group(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    slack = connector(scim_server, client, tiers_as="none", tiers=("member",))
    slack.assign(ANN, "member")
    slack.assign(ANN, "member")

    assert [(seat.email, seat.tier) for seat in slack.list_seats()] == [(ANN.email, "member")]
    assert admin.user(ANN.email)["active"] is True
    assert "groups" not in admin.user(ANN.email) or not admin.user(ANN.email)["groups"]
    assert "; tiers as none (member); supports patch, filter" in slack.check()
    slack.revoke(ANN)
    assert slack.list_seats() == []


def test_tiers_as_none_is_the_default_for_an_app_with_one_tier_and_refused_with_two() -> None:
    from connectors.registry import REGISTRY

    def app(tiers: list[str], **connector: str) -> dict[str, Any]:
        return {
            "key": "zoom",
            "name": "Zoom",
            "connector": {"type": "scim", "base_url": "https://x.test", "token_env": "Z"}
            | connector,
            "tiers": [{"key": t, "name": t} for t in tiers],
        }

    one = REGISTRY.config_model.model_validate({"apps": [app(["pro"])]}).apps[0]
    two = REGISTRY.config_model.model_validate({"apps": [app(["pro", "max"])]}).apps[0]

    assert one.connector.tiers_as_for(["pro"]) == "none"  # type: ignore[attr-defined]
    assert two.connector.tiers_as_for(["pro", "max"]) == "groups"  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="tiers_as none needs exactly one tier"):
        REGISTRY.config_model.model_validate({"apps": [app(["pro", "max"], tiers_as="none")]})


def test_check_describes_the_service_and_its_tier_groups(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    connector(scim_server, client).assign(ANN, "viewer")

    summary = connector(scim_server, client).check()

    assert summary.startswith("SCIM 2.0 at 127.0.0.1:")
    assert "1 users; tiers as groups (viewer, editor); supports patch, filter, etag" in summary


def test_check_reports_missing_tier_groups(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    with pytest.raises(Rejected, match="no group named admin"):
        connector(scim_server, client, tiers=("viewer", "admin")).check()


def test_a_wrong_token_is_rejected_naming_the_variable_but_not_the_token(
    scim_server: RunningScimServer,
    admin: ScimAdmin,
    client: httpx.Client,
) -> None:
    figma = ScimConnector(
        "figma", "Figma", scim_server.base_url, "wrong-token", client, token_env="FIGMA_SCIM_TOKEN"
    )

    with pytest.raises(Rejected) as refused:
        figma.check()

    assert "FIGMA_SCIM_TOKEN (HTTP 401)" in str(refused.value)
    assert "wrong-token" not in str(refused.value)
