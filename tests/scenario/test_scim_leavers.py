"""Leavers and movers pushed over SCIM, as Microsoft Entra and Okta push them: a leaver's
every seat is taken back through its vendor (Figma: a real SCIM server) exactly once and IT
is told once; a new manager takes over the approvals waiting for the old one, whose message
loses its buttons."""

from __future__ import annotations

import json
from typing import Any

import pytest

from messages import ids
from tests.integration.scim_app import ENTERPRISE, PATCH_OP, new_token
from tests.scenario.holders import EMAIL, give_seat, scim_user, seat_rows
from tests.scenario.world import ALICE, DANA, FIONA, IT_CHANNEL, MALLORY, World

ENTRA_DEACTIVATE = {"op": "Replace", "path": "active", "value": "False"}
OKTA_DEACTIVATE = {"op": "replace", "value": {"active": False}}


def push(world: World, token: str, method: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    answer = world.http.request(method, f"/scim/v2{path}", json=body, headers=headers)
    assert answer.status_code < 300, answer.text
    return answer.json() if answer.content else None


def alice_id(world: World, token: str) -> str:
    found = push(world, token, "GET", f'/Users?filter=userName eq "{EMAIL[ALICE]}"')
    return str(found["Resources"][0]["id"])


def leaver_notices(world: World) -> list[str]:
    return [m["text"] for m in world.slack.messages(IT_CHANNEL) if " left: " in m["text"]]


def vendor_writes(world: World) -> list[tuple[str, str]]:
    return [call for call in world.scim.calls if call[0] != "GET"]


@pytest.mark.parametrize("deactivate", [ENTRA_DEACTIVATE, OKTA_DEACTIVATE], ids=["entra", "okta"])
def test_a_deactivated_user_loses_every_seat_through_the_vendors_exactly_once(
    world: World, deactivate: dict[str, Any]
) -> None:
    give_seat(world, ALICE)
    give_seat(world, ALICE, app="miro", tier="standard")
    token = new_token(world.app, "entra")
    user = alice_id(world, token)
    before = len(vendor_writes(world))

    push(
        world, token, "PATCH", f"/Users/{user}", {"schemas": [PATCH_OP], "Operations": [deactivate]}
    )
    world.drain()

    assert scim_user(world, ALICE)["active"] is False  # revoked at Figma
    assert len(vendor_writes(world)) > before
    assert seat_rows(world, EMAIL[ALICE]) == [
        ("figma", "professional", "revoked"),
        ("miro", "standard", "releasing"),  # manual: IT's task says to remove it
    ]
    assert leaver_notices(world) == [
        "Alice Archer (alice@acme.test) left: taking back 2 seats (USD 25.00/month)."
    ]
    writes = len(vendor_writes(world))

    # The identity provider repeats itself, then deletes the user: nothing happens twice.
    push(
        world, token, "PATCH", f"/Users/{user}", {"schemas": [PATCH_OP], "Operations": [deactivate]}
    )
    push(world, token, "DELETE", f"/Users/{user}")
    world.drain()

    assert len(vendor_writes(world)) == writes
    assert len(leaver_notices(world)) == 1
    events = [(e["actor"], e["action"]) for e in world.audit() if e["action"].startswith("scim.")]
    assert events == [("scim:entra", "scim.user.patched"), ("scim:entra", "scim.user.deleted")]


def test_a_deleted_user_is_a_leaver_too(world: World) -> None:
    give_seat(world, ALICE)
    token = new_token(world.app)

    push(world, token, "DELETE", f"/Users/{alice_id(world, token)}")
    world.drain()

    assert scim_user(world, ALICE)["active"] is False
    assert seat_rows(world, EMAIL[ALICE]) == [("figma", "professional", "revoked")]
    assert len(leaver_notices(world)) == 1


def test_a_manager_change_applies_to_the_person_at_once(world: World) -> None:
    token = new_token(world.app)
    boss = push(world, token, "POST", "/Users", {"userName": "new.boss@acme.test"})
    operation = {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": boss["id"]}

    push(world, token, "PATCH", f"/Users/{alice_id(world, token)}", {"Operations": [operation]})

    with world.app.runner.uow() as uow:
        alice = uow.people.by_email(EMAIL[ALICE])
        assert alice is not None and alice.manager_email == "new.boss@acme.test"


def test_a_new_manager_takes_over_the_waiting_approval_and_the_old_one_cannot_decide(
    world: World,
) -> None:
    world.request(ALICE, "figma:professional")
    world.drain()
    [asked_dana] = world.approvals_for(DANA)
    token = new_token(world.app)
    mallory = alice = ""
    for user in push(world, token, "GET", "/Users")["Resources"]:
        mallory = user["id"] if user["userName"] == "mallory@acme.test" else mallory
        alice = user["id"] if user["userName"] == EMAIL[ALICE] else alice
    operation = {"op": "Replace", "path": f"{ENTERPRISE}:manager", "value": mallory}

    push(
        world, token, "PATCH", f"/Users/{alice}", {"schemas": [PATCH_OP], "Operations": [operation]}
    )
    world.drain()

    assert len(world.approvals_for(MALLORY)) == 1  # asked as for a fresh approval
    assert world.approvals_for(DANA) == []  # Dana's message was replaced: no buttons left
    [replaced] = [m for m in world.thread(DANA) if m["ts"] == asked_dana["ts"]]
    assert "moved to their new manager" in json.dumps(replaced["blocks"])
    world.click(DANA, asked_dana, ids.STEP_APPROVE)  # a click from a stale copy
    world.drain()
    assert len(world.approvals_for(FIONA)) == 0  # Dana's click did not move the request on
    world.approve_latest(MALLORY)
    assert len(world.approvals_for(FIONA)) == 1  # the owner's step comes next
    rerouted = [e for e in world.audit() if e["action"] == "step.rerouted"]
    assert [(e["actor"], e["data"]["approvers"]) for e in rerouted] == [("scim:okta", [MALLORY])]
