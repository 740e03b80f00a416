"""The request sequences Okta and Microsoft Entra ID document for SCIM provisioning, replayed.

The bodies are those of the vendors' published examples (Okta: "SCIM 2.0 protocol reference";
Microsoft: "Tutorial: Develop and plan provisioning for a SCIM endpoint"), with their names.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import pytest

from tests.integration.scim_app import ENTERPRISE, PATCH_OP, USER, Scim, serve_scim

OKTA_USER = {
    "schemas": [USER],
    "userName": "test.user@okta.local",
    "name": {"givenName": "Test", "familyName": "User"},
    "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
    "displayName": "Test User",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}
ENTRA_USER = {
    "schemas": [USER, ENTERPRISE],
    "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
    "userName": "Test_User_ab6490ee@testuser.com",
    "active": True,
    "emails": [{"primary": True, "type": "work", "value": "Test_User_ab6490ee@testuser.com"}],
    "meta": {"resourceType": "User"},
    "name": {
        "formatted": "givenName familyName",
        "familyName": "familyName",
        "givenName": "givenName",
    },
    "roles": [],
}


@pytest.fixture
def scim(database_url: str) -> Iterator[Scim]:
    with serve_scim(database_url) as running:
        yield running


def found(scim: Scim, query: str) -> list[dict[str, Any]]:
    status, listed = scim.call("GET", "/Users", **dict(parse_qsl(query)))
    assert status == 200, listed
    return list(listed["Resources"])


def test_okta_checks_creates_updates_and_deactivates_a_user(scim: Scim) -> None:
    assert found(scim, 'filter=userName eq "test.user@okta.local"&startIndex=1&count=100') == []
    status, created = scim.call("POST", "/Users", OKTA_USER)
    assert status == 201
    assert (created["userName"], created["displayName"], created["active"]) == (
        "test.user@okta.local",
        "Test User",
        True,
    )
    assert "password" not in created

    updated = {**OKTA_USER, "id": created["id"], "displayName": "Test U. User"}
    status, replaced = scim.call("PUT", f"/Users/{created['id']}", updated)
    assert (status, replaced["displayName"]) == (200, "Test U. User")

    deactivate = {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "replace", "value": {"active": False}}],
    }
    status, patched = scim.call("PATCH", f"/Users/{created['id']}", deactivate)
    assert (status, patched["active"]) == (200, False)
    assert found(scim, 'filter=userName eq "test.user@okta.local"')[0]["active"] is False


def test_entra_creates_finds_updates_sets_the_manager_and_disables_a_user(scim: Scim) -> None:
    boss = scim.create("boss@testuser.com", displayName="The Boss")
    status, created = scim.call("POST", "/Users", ENTRA_USER)
    assert status == 201
    assert created["displayName"] == "givenName familyName"
    user = created["id"]
    [listed] = found(scim, 'filter=userName eq "Test_User_ab6490ee@testuser.com"')
    assert listed["id"] == user
    assert found(scim, 'filter=externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"') == [listed]

    status, _ = scim.patch(
        user,
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updated@testuser.com"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]},
        {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Design"},
    )
    assert status == 200
    _, now = scim.call("GET", f"/Users/{user}")
    assert now[ENTERPRISE]["manager"]["value"] == boss["id"]
    assert now[ENTERPRISE]["department"] == "Design"
    assert now["userName"] == "test_user_ab6490ee@testuser.com"  # emails follow userName

    status, disabled = scim.patch(user, {"op": "Replace", "path": "active", "value": "False"})
    assert (status, disabled["active"]) == (200, False)
    assert scim.http.delete(f"/scim/v2/Users/{user}").status_code == 204
    assert found(scim, 'filter=userName eq "Test_User_ab6490ee@testuser.com"') == []


GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def group_members(scim: Scim, group: str) -> list[str]:
    status, shown = scim.call("GET", f"/Groups/{group}")
    assert status == 200, shown
    return [m["value"] for m in shown["members"]]


def test_okta_pushes_a_group_renames_it_and_adds_and_removes_a_member(scim: Scim) -> None:
    user = scim.create("test.user@okta.local")["id"]
    status, listed = scim.call("GET", "/Groups", filter='displayName eq "Test SCIMv2"')
    assert (status, listed["Resources"]) == (200, [])
    body = {"schemas": [GROUP], "displayName": "Test SCIMv2", "members": []}
    status, created = scim.call("POST", "/Groups", body)
    assert status == 201
    group = created["id"]

    rename = {"op": "replace", "value": {"id": group, "displayName": "Test SCIMv2 renamed"}}
    add = {"op": "add", "path": "members", "value": [{"value": user, "display": "test.user"}]}
    remove = {"op": "remove", "path": f'members[value eq "{user}"]'}
    for operation in (rename, add):
        status, _ = scim.call(
            "PATCH", f"/Groups/{group}", {"schemas": [PATCH_OP], "Operations": [operation]}
        )
        assert status == 200
    assert group_members(scim, group) == [user]
    status, _ = scim.call(
        "PATCH", f"/Groups/{group}", {"schemas": [PATCH_OP], "Operations": [remove]}
    )
    assert (status, group_members(scim, group)) == (200, [])
    _, shown = scim.call("GET", f"/Groups/{group}")
    assert shown["displayName"] == "Test SCIMv2 renamed"
    assert scim.call("DELETE", f"/Groups/{group}")[0] == 204


def test_entra_creates_a_group_and_adds_and_removes_members(scim: Scim) -> None:
    user = scim.call("POST", "/Users", ENTRA_USER)[1]["id"]
    body = {
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "meta": {"resourceType": "Group"},
        "schemas": [GROUP],
    }
    status, created = scim.call("POST", "/Groups", body)
    assert (status, created["externalId"]) == (201, body["externalId"])
    group = created["id"]
    status, listed = scim.call(
        "GET", "/Groups", filter='displayName eq "displayName"', excludedAttributes="members"
    )
    assert [g["id"] for g in listed["Resources"]] == [group]
    assert "members" not in listed["Resources"][0]

    add = {"op": "Add", "path": "members", "value": [{"$ref": None, "value": user}]}
    remove = {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": user}]}
    for operation, expected in ((add, [user]), (remove, [])):
        status, _ = scim.call(
            "PATCH", f"/Groups/{group}", {"schemas": [PATCH_OP], "Operations": [operation]}
        )
        assert (status, group_members(scim, group)) == (200, expected)
    assert scim.call("DELETE", f"/Groups/{group}")[0] == 204
