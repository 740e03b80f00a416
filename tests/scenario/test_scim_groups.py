"""Seats driven by identity-provider groups pushed over SCIM, as Okta and Microsoft Entra push
group membership: joining a tier's `idp_group` requests the tier (granted at once when its
chain is empty), leaving it cancels the request or takes the seat back through the vendor."""

from __future__ import annotations

from typing import Any

from tests.integration.scim_app import PATCH_OP, new_token
from tests.scenario.holders import EMAIL, give_seat, seat_rows
from tests.scenario.test_scim_leavers import alice_id, push, vendor_writes
from tests.scenario.world import ALICE, DANA, World

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def new_group(world: World, token: str, name: str) -> str:
    # Okta and Entra both create the group empty, then PATCH its members in.
    created = push(world, token, "POST", "/Groups", {"schemas": [GROUP], "displayName": name})
    return str(created["id"])


def patch(world: World, token: str, group: str, *operations: dict[str, Any]) -> None:
    body = {"schemas": [PATCH_OP], "Operations": list(operations)}
    push(world, token, "PATCH", f"/Groups/{group}", body)


def okta_add(user: str) -> dict[str, Any]:
    return {"op": "add", "path": "members", "value": [{"value": user, "display": EMAIL[ALICE]}]}


def okta_remove(user: str) -> dict[str, Any]:
    return {"op": "remove", "path": f'members[value eq "{user}"]'}


def entra_add(user: str) -> dict[str, Any]:
    return {"op": "Add", "path": "members", "value": [{"value": user}]}


def entra_remove(user: str) -> dict[str, Any]:
    return {"op": "Remove", "path": "members", "value": [{"value": user}]}


def actions(world: World, prefix: str) -> list[tuple[str, str]]:
    return [(e["actor"], e["action"]) for e in world.audit() if e["action"].startswith(prefix)]


def test_joining_a_group_requests_its_tier_and_leaving_cancels_the_request(world: World) -> None:
    token = new_token(world.app, "okta")
    group, alice = new_group(world, token, "figma-pro"), alice_id(world, token)

    patch(world, token, group, okta_add(alice))
    world.drain()

    assert len(world.approvals_for(DANA)) == 1  # Alice's manager, the chain's first step
    assert actions(world, "request.") == [("scim:okta", "request.submitted")]

    patch(world, token, group, okta_remove(alice))
    world.drain()

    assert world.approvals_for(DANA) == []  # no stale Approve button stays clickable
    assert ("scim:okta", "request.cancelled") in actions(world, "request.")
    said = [m["text"] for m in world.thread(ALICE)]
    assert any("cancelled: you are no longer in figma-pro" in text for text in said), said
    assert seat_rows(world, EMAIL[ALICE]) == []


def test_a_group_whose_tier_needs_no_approval_grants_and_reclaims_the_seat(world: World) -> None:
    token = new_token(world.app, "entra")
    group, alice = new_group(world, token, "design"), alice_id(world, token)

    patch(world, token, group, entra_add(alice))
    world.drain()
    assert seat_rows(world, EMAIL[ALICE]) == [("figma", "viewer", "active")]
    writes = len(vendor_writes(world))

    patch(world, token, group, entra_remove(alice))
    world.drain()

    assert seat_rows(world, EMAIL[ALICE]) == [("figma", "viewer", "revoked")]
    assert len(vendor_writes(world)) > writes  # taken back at Figma
    assert ("scim:entra", "reclaim.group_left") in actions(world, "reclaim.")

    # The identity provider repeats the removal: nothing happens twice.
    writes = len(vendor_writes(world))
    patch(world, token, group, entra_remove(alice))
    world.drain()
    assert len(vendor_writes(world)) == writes


def test_a_member_who_holds_the_tier_keeps_it_until_they_leave_the_group(world: World) -> None:
    give_seat(world, ALICE)
    token = new_token(world.app, "okta")
    group, alice = new_group(world, token, "figma-pro"), alice_id(world, token)

    patch(world, token, group, okta_add(alice))
    world.drain()
    assert world.approvals_for(DANA) == []
    assert ("scim:okta", "group.request.skipped") in actions(world, "group.")

    push(world, token, "DELETE", f"/Groups/{group}")
    world.drain()
    assert seat_rows(world, EMAIL[ALICE]) == [("figma", "professional", "revoked")]
