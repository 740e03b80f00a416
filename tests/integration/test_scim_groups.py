"""/scim/v2/Groups: groups of Users pushed by an identity provider, with the quirks they send."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.scim_app import PATCH_OP, Scim, serve_scim

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


@pytest.fixture
def scim(database_url: str) -> Iterator[Scim]:
    with serve_scim(database_url) as running:
        yield running


def create_group(scim: Scim, name: str, *member_ids: str) -> dict[str, Any]:
    body = {"schemas": [GROUP], "displayName": name, "members": [{"value": m} for m in member_ids]}
    status, created = scim.call("POST", "/Groups", body)
    assert status == 201, created
    return dict(created)


def members(scim: Scim, group_id: str) -> list[str]:
    status, group = scim.call("GET", f"/Groups/{group_id}")
    assert status == 200, group
    return [m["value"] for m in group["members"]]


def patch(scim: Scim, group_id: str, *operations: dict[str, Any]) -> tuple[int, Any]:
    body = {"schemas": [PATCH_OP], "Operations": list(operations)}
    return scim.call("PATCH", f"/Groups/{group_id}", body)


def audit(scim: Scim) -> list[tuple[str, str, str, dict[str, Any]]]:
    with scim.app.runner.uow() as uow:
        return [(e.actor, e.action, e.subject, e.data) for e in uow.audit.all()]


def test_a_group_is_created_read_listed_by_name_and_paged(scim: Scim) -> None:
    alice = scim.create("alice@acme.test", displayName="Alice")["id"]
    created = create_group(scim, "figma-pro", alice)
    assert created["displayName"] == "figma-pro"
    assert created["members"] == [
        {"value": alice, "$ref": f"http://testserver/scim/v2/Users/{alice}", "type": "User"}
    ]
    assert created["meta"]["resourceType"] == "Group"
    create_group(scim, "design")
    status, listed = scim.call("GET", "/Groups", filter='displayName eq "design"')
    assert status == 200
    assert [g["displayName"] for g in listed["Resources"]] == ["design"]
    assert listed["totalResults"] == 1
    status, page = scim.call("GET", "/Groups", startIndex="2", count="1")
    assert (page["totalResults"], page["itemsPerPage"]) == (2, 1)
    assert page["Resources"][0]["displayName"] == "design"
    status, listed = scim.call("GET", "/Groups", filter='displayName eq "nobody"')
    assert listed["totalResults"] == 0
    assert audit(scim)[-2][:3] == ("scim:okta", "scim.group.created", "group:figma-pro")
    assert audit(scim)[-2][3]["added"] == ["alice@acme.test"]


def test_a_taken_name_an_unknown_group_or_member_is_refused(scim: Scim) -> None:
    create_group(scim, "design")
    status, error = scim.call("POST", "/Groups", {"schemas": [GROUP], "displayName": "design"})
    assert (status, error["scimType"]) == (409, "uniqueness")
    assert scim.call("GET", "/Groups/999")[0] == 404
    body = {"schemas": [GROUP], "displayName": "x", "members": [{"value": "999"}]}
    status, error = scim.call("POST", "/Groups", body)
    assert (status, error["scimType"]) == (400, "invalidValue")
    status, error = scim.call("POST", "/Groups", {"schemas": [GROUP]})
    assert status == 400


def test_members_are_added_and_removed_as_okta_and_entra_send_them(scim: Scim) -> None:
    a, b, c = (scim.create(f"{n}@acme.test")["id"] for n in ("ann", "bob", "cat"))
    group = create_group(scim, "figma-pro")["id"]
    # Okta: add with path, then remove with a value filter in the path.
    status, _ = patch(scim, group, {"op": "add", "path": "members", "value": [{"value": a}]})
    assert status == 200
    patch(scim, group, {"op": "Add", "path": "members", "value": [{"value": b}, {"value": a}]})
    assert sorted(members(scim, group)) == sorted([a, b])
    status, _ = patch(scim, group, {"op": "remove", "path": f'members[value eq "{a}"]'})
    assert members(scim, group) == [b]
    # Entra: "Add" with the members as the value, "Remove" of members with the value listed.
    patch(scim, group, {"op": "Add", "path": "members", "value": [{"value": c}]})
    status, _ = patch(scim, group, {"op": "Remove", "path": "members", "value": [{"value": b}]})
    assert status == 200
    assert members(scim, group) == [c]
    # A PATCH without path carrying members; a replace of all of them.
    patch(scim, group, {"op": "ADD", "value": {"members": [{"value": a}]}})
    assert sorted(members(scim, group)) == sorted([a, c])
    patch(scim, group, {"op": "replace", "path": "members", "value": [{"value": b}]})
    assert members(scim, group) == [b]
    patch(scim, group, {"op": "Replace", "value": {"id": group, "displayName": "figma-pros"}})
    status, shown = scim.call("GET", f"/Groups/{group}")
    assert (shown["displayName"], [m["value"] for m in shown["members"]]) == ("figma-pros", [b])
    patched = [e for e in audit(scim) if e[1] == "scim.group.patched"]
    assert patched[-1][3]["changed"] == ["displayName"]
    assert all(e[0] == "scim:okta" and e[3]["token"] == "okta" for e in patched)


def test_a_group_is_replaced_and_deleted(scim: Scim) -> None:
    a, b = (scim.create(f"{n}@acme.test")["id"] for n in ("ann", "bob"))
    group = create_group(scim, "design", a)["id"]
    body = {"schemas": [GROUP], "displayName": "design", "members": [{"value": b}]}
    status, replaced = scim.call("PUT", f"/Groups/{group}", body)
    assert status == 200
    assert [m["value"] for m in replaced["members"]] == [b]
    assert scim.call("DELETE", f"/Groups/{group}")[0] == 204
    assert scim.call("GET", f"/Groups/{group}")[0] == 404
    assert audit(scim)[-1][1:3] == ("scim.group.deleted", "group:design")
    assert audit(scim)[-1][3]["removed"] == ["bob@acme.test"]


def test_groups_are_announced(scim: Scim) -> None:
    status, types = scim.call("GET", "/ResourceTypes")
    assert {t["id"] for t in types["Resources"]} == {"User", "Group"}
    status, schema = scim.call("GET", f"/Schemas/{GROUP}")
    assert status == 200
    assert [a["name"] for a in schema["attributes"]] == ["displayName", "members"]
