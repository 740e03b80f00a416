"""SCIM filters and PATCH operations on a User's JSON, as identity providers write them."""

from __future__ import annotations

from typing import Any

import pytest

from workflows.scim import ENTERPRISE, ScimProblem
from workflows.scim_filter import parse_filter
from workflows.scim_patch import apply_patch

ALICE: dict[str, Any] = {
    "id": "7",
    "externalId": "00u1AbC",
    "userName": "alice@acme.test",
    "displayName": "Alice Archer",
    "active": True,
    "emails": [{"value": "alice@acme.test", "type": "work", "primary": True}],
    ENTERPRISE: {"department": "Design", "manager": {"value": "3"}},
}


@pytest.mark.parametrize(
    "text",
    [
        'userName eq "alice@acme.test"',
        'USERNAME EQ "Alice@ACME.test"',
        'externalId eq "00u1AbC"',
        'emails.value eq "alice@acme.test"',
        'emails[type eq "work" and value co "@acme"]',
        'userName sw "alice" and active eq true',
        'userName eq "bob@acme.test" or displayName co "archer"',
        "externalId pr",
        f'{ENTERPRISE}:department eq "design"',
        'not (userName eq "bob@acme.test")',
        'manager.value eq "3" or (active eq false)',
    ],
)
def test_a_filter_that_describes_alice_matches_her(text: str) -> None:
    assert parse_filter(text).matches(ALICE)


@pytest.mark.parametrize(
    "text",
    [
        'userName eq "bob@acme.test"',
        'externalId eq "00u1abc"',  # externalId is case-exact
        "title pr",
        'userName eq "alice@acme.test" and active eq false',
        'emails[type eq "home"]',
    ],
)
def test_a_filter_that_does_not_describe_alice_does_not_match(text: str) -> None:
    assert not parse_filter(text).matches(ALICE)


@pytest.mark.parametrize(
    "text", ["userName eq alice", "userName eq", '(userName eq "a"', 'userName xx "a"', "a.b.c pr"]
)
def test_a_filter_that_does_not_parse_is_a_400_invalid_filter(text: str) -> None:
    with pytest.raises(ScimProblem) as refused:
        parse_filter(text)
    assert (refused.value.status, refused.value.scim_type) == (400, "invalidFilter")


def patched(*operations: dict[str, Any]) -> dict[str, Any]:
    return apply_patch(ALICE, {"Operations": list(operations)})


def test_operation_names_are_taken_in_any_case_and_active_may_be_a_string() -> None:
    after = patched({"op": "Replace", "path": "active", "value": "False"})
    assert after["active"] == "False"  # the User's reading makes it false
    assert ALICE["active"] is True  # the original is left alone


def test_an_operation_without_a_path_sets_each_attribute_its_value_names() -> None:
    after = patched(
        {
            "op": "replace",
            "value": {
                "active": False,
                "DisplayName": "Alice B. Archer",
                f"{ENTERPRISE}:department": "Research",
                "name.givenName": "Alice",
            },
        }
    )
    assert (after["active"], after["displayName"]) == (False, "Alice B. Archer")
    assert after[ENTERPRISE]["department"] == "Research"
    assert after["name"] == {"givenName": "Alice"}


def test_add_remove_and_replace_on_the_enterprise_extension() -> None:
    after = patched(
        {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": "bob@acme.test"},
        {"op": "remove", "path": f"{ENTERPRISE}:department"},
    )
    assert after[ENTERPRISE] == {"manager": "bob@acme.test"}


def test_a_path_with_a_value_filter_changes_only_the_elements_it_selects() -> None:
    after = patched(
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "a@acme.test"},
        {"op": "add", "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 555"},
    )
    assert after["emails"][0]["value"] == "a@acme.test"
    assert after["phoneNumbers"] == [{"type": "mobile", "value": "+1 555"}]
    assert patched({"op": "remove", "path": 'emails[type eq "work"]'})["emails"] == []


@pytest.mark.parametrize(
    ("body", "scim_type"),
    [
        ({}, "invalidSyntax"),
        ({"Operations": [{"op": "move", "path": "active"}]}, "invalidSyntax"),
        ({"Operations": [{"op": "remove"}]}, "noTarget"),
        ({"Operations": [{"op": "replace", "path": 'emails[type xx "w"]'}]}, "invalidFilter"),
        ({"Operations": [{"op": "replace", "path": "emails[type eq"}]}, "invalidPath"),
        ({"Operations": [{"op": "replace", "path": "a b"}]}, "invalidPath"),
    ],
)
def test_a_bad_patch_is_a_400_with_its_scim_type(body: Any, scim_type: str) -> None:
    with pytest.raises(ScimProblem) as refused:
        apply_patch(ALICE, body)
    assert (refused.value.status, refused.value.scim_type) == (400, scim_type)
