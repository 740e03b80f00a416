"""/scim/v2/Users: identity providers create, find, change and delete people over SCIM."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.scim_app import ENTERPRISE, Scim, new_token, serve_scim
from workflows.model import Person, TokenScope

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


@pytest.fixture
def scim(database_url: str) -> Iterator[Scim]:
    with serve_scim(database_url) as running:
        yield running


def person(scim: Scim, email: str) -> Person:
    with scim.app.runner.uow() as uow:
        found = uow.people.by_email(email)
    assert found is not None
    return found


def audit(scim: Scim) -> list[tuple[str, str, str]]:
    with scim.app.runner.uow() as uow:
        return [(e.actor, e.action, e.subject) for e in uow.audit.all()]


# Tokens


@pytest.mark.parametrize("authorization", [None, "Bearer skp_wrong", "Basic b2s6b2s="])
def test_without_a_scim_token_every_endpoint_answers_a_scim_401(
    scim: Scim, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    scim.http.headers.pop("Authorization")
    for path in ("/ServiceProviderConfig", "/Users", "/Users/1", "/Nowhere"):
        answer = scim.http.get(f"/scim/v2{path}", headers=headers)
        assert answer.status_code == 401
        assert answer.headers["www-authenticate"] == "Bearer"
        assert answer.headers["content-type"] == "application/scim+json"
        assert answer.json() == {
            "schemas": [ERROR],
            "status": "401",
            "detail": "no valid SCIM token",
        }


def test_an_api_token_is_refused_by_scim(scim: Scim) -> None:
    api_token = new_token(scim.app, "reports", TokenScope.API)
    answer = scim.http.get("/scim/v2/Users", headers={"Authorization": f"Bearer {api_token}"})
    assert answer.status_code == 401


# Discovery


def test_the_service_provider_config_announces_exactly_what_is_supported(scim: Scim) -> None:
    status, config = scim.call("GET", "/ServiceProviderConfig")
    assert status == 200
    assert config["patch"] == {"supported": True}
    assert config["filter"] == {"supported": True, "maxResults": 200}
    for feature in ("bulk", "sort", "etag", "changePassword"):
        assert config[feature]["supported"] is False
    assert [s["type"] for s in config["authenticationSchemes"]] == ["oauthbearertoken"]


def test_users_have_the_enterprise_extension_and_groups_none(scim: Scim) -> None:
    _, types = scim.call("GET", "/ResourceTypes")
    user, group = types["Resources"]
    assert (group["endpoint"], group["schemaExtensions"]) == ("/Groups", [])
    assert (user["endpoint"], user["schemaExtensions"]) == (
        "/Users",
        [{"schema": ENTERPRISE, "required": False}],
    )
    _, schemas = scim.call("GET", "/Schemas")
    attributes = {s["name"]: [a["name"] for a in s["attributes"]] for s in schemas["Resources"]}
    assert attributes == {
        "User": ["userName", "displayName", "active", "emails"],
        "EnterpriseUser": ["department", "manager"],
        "Group": ["displayName", "members"],
    }
    assert scim.call("GET", f"/Schemas/{ENTERPRISE}")[0] == 200
    assert scim.call("GET", "/Schemas/urn:nope")[0] == 404


# Create and read


def test_a_created_user_is_a_person_whose_email_is_the_user_name(scim: Scim) -> None:
    created = scim.create(
        "Alice@Acme.test",
        externalId="00u1",
        name={"givenName": "Alice", "familyName": "Archer"},
        **{ENTERPRISE: {"department": "Design"}},
    )

    alice = person(scim, "alice@acme.test")
    assert (alice.name, alice.department, alice.external_id) == ("Alice Archer", "Design", "00u1")
    assert created["id"] == str(alice.id)
    assert created["userName"] == "alice@acme.test"
    assert created["emails"] == [{"value": "alice@acme.test", "type": "work", "primary": True}]
    assert created["meta"]["location"].endswith(f"/scim/v2/Users/{alice.id}")
    assert scim.call("GET", f"/Users/{alice.id}") == (200, created)
    assert audit(scim)[-1] == ("scim:okta", "scim.user.created", "person:alice@acme.test")


def test_a_taken_user_name_is_a_409_uniqueness(scim: Scim) -> None:
    scim.create("alice@acme.test")
    status, body = scim.call("POST", "/Users", {"userName": "ALICE@acme.test"})
    assert (status, body["scimType"], body["status"]) == (409, "uniqueness", "409")


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({}, "userName is required: the person's email"),
        ({"userName": "a@acme.test", "active": "maybe"}, "active must be true or false"),
        ({"userName": 7}, "userName is required: the person's email"),
    ],
)
def test_a_bad_user_is_a_400_invalid_value(scim: Scim, body: Any, detail: str) -> None:
    status, answer = scim.call("POST", "/Users", body)
    assert (status, answer["scimType"], answer["detail"]) == (400, "invalidValue", detail)


def test_an_unknown_user_is_a_404_and_unknown_attributes_are_ignored(scim: Scim) -> None:
    assert scim.call("GET", "/Users/999")[0] == 404
    assert scim.call("GET", "/Users/abc")[0] == 404
    created = scim.create("bob@acme.test", nickName="Bobby", title="Designer")
    assert "nickName" not in created and "title" not in created


# Filters and pages


@pytest.fixture
def three(scim: Scim) -> list[dict[str, Any]]:
    return [
        scim.create("alice@acme.test", externalId="a-1", displayName="Alice Archer"),
        scim.create("bob@acme.test", externalId="b-2", active=False),
        scim.create("carol@other.test", displayName="Carol Chen"),
    ]


def user_names(scim: Scim, **params: Any) -> list[str]:
    status, listed = scim.call("GET", "/Users", **params)
    assert status == 200, listed
    return [user["userName"] for user in listed["Resources"]]


@pytest.mark.parametrize(
    ("where", "found"),
    [
        ('userName eq "alice@acme.test"', ["alice@acme.test"]),
        ('UserName Eq "ALICE@acme.test"', ["alice@acme.test"]),
        ('externalId eq "b-2"', ["bob@acme.test"]),
        ('emails.value eq "carol@other.test"', ["carol@other.test"]),
        ('emails[type eq "work" and value ew "acme.test"]', ["alice@acme.test", "bob@acme.test"]),
        ('userName ew "acme.test" and active eq true', ["alice@acme.test"]),
        ('externalId eq "a-1" or displayName co "chen"', ["alice@acme.test", "carol@other.test"]),
        ("displayName pr", ["alice@acme.test", "carol@other.test"]),
        ('userName eq "nobody@acme.test"', []),
        ('userName eq "bob@acme.test" and active eq true', []),
        ('active eq false and externalId eq "b-2"', ["bob@acme.test"]),
        ('externalId eq "B-2"', []),  # externalId is case-exact
        ('emails eq "BOB@acme.test"', ["bob@acme.test"]),
    ],
)
def test_a_filter_selects_the_users_it_describes(
    scim: Scim, three: list[dict[str, Any]], where: str, found: list[str]
) -> None:
    assert user_names(scim, filter=where) == found


def test_an_id_filter_finds_the_user_and_a_deleted_one_is_not_found(
    scim: Scim, three: list[dict[str, Any]]
) -> None:
    bob = three[1]["id"]
    assert user_names(scim, filter=f'id eq "{bob}"') == ["bob@acme.test"]
    scim.http.delete(f"/scim/v2/Users/{bob}")
    assert user_names(scim, filter=f'id eq "{bob}"') == []
    assert user_names(scim, filter='userName eq "bob@acme.test"') == []
    assert user_names(scim, filter='id eq "x1"') == []


def test_a_bad_filter_is_a_400_invalid_filter(scim: Scim) -> None:
    status, body = scim.call("GET", "/Users", filter="userName eq alice")
    assert (status, body["scimType"]) == (400, "invalidFilter")


def test_pages_are_one_based_and_capped_at_200(scim: Scim, three: list[dict[str, Any]]) -> None:
    _, page = scim.call("GET", "/Users", startIndex=2, count=1)
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (3, 2, 1)
    assert [u["userName"] for u in page["Resources"]] == ["bob@acme.test"]
    _, counted = scim.call("GET", "/Users", count=0)
    assert (counted["totalResults"], counted["Resources"]) == (3, [])
    _, capped = scim.call("GET", "/Users", count=10_000)
    assert capped["itemsPerPage"] == 3
    assert scim.call("GET", "/Users", count="many")[0] == 400


def test_a_search_request_takes_the_same_filter(scim: Scim, three: list[dict[str, Any]]) -> None:
    search = {"filter": 'userName sw "carol"', "attributes": ["userName"]}
    status, found = scim.call("POST", "/Users/.search", search)
    assert status == 200
    [carol] = found["Resources"]
    assert set(carol) == {"schemas", "id", "userName"}


# Replace, patch, delete


def test_put_replaces_what_seatkeeper_keeps(scim: Scim, three: list[dict[str, Any]]) -> None:
    alice = three[0]
    body = {
        "userName": "alice@acme.test",
        "displayName": "Alice B.",
        **{ENTERPRISE: {"department": "R&D"}},
    }
    status, replaced = scim.call("PUT", f"/Users/{alice['id']}", body)
    assert status == 200
    assert (replaced["displayName"], replaced[ENTERPRISE]) == ("Alice B.", {"department": "R&D"})
    assert "externalId" not in replaced  # PUT replaces: what it leaves out is gone
    assert replaced["active"] is True  # except active, which stays as it was


def test_patch_takes_the_quirks_identity_providers_send(scim: Scim) -> None:
    alice = scim.create("alice@acme.test")
    status, patched = scim.patch(
        alice["id"],
        {"op": "Replace", "path": "displayName", "value": "Alice Archer"},
        {"op": "Add", "value": {f"{ENTERPRISE}:department": "Design"}},
        {"op": "replace", "value": {"active": "False"}},
    )
    assert status == 200, patched
    assert (patched["displayName"], patched["active"]) == ("Alice Archer", False)
    assert patched[ENTERPRISE] == {"department": "Design"}
    assert not person(scim, "alice@acme.test").active
    actions = [action for _, action, _ in audit(scim)]
    assert actions[-2:] == ["person.left", "scim.user.patched"]


@pytest.mark.parametrize("given", ["id", "email", "bare id", "bare email"])
def test_a_manager_is_given_as_an_id_an_email_or_a_bare_string(scim: Scim, given: str) -> None:
    boss = scim.create("boss@acme.test", displayName="The Boss")
    value = boss["id"] if "id" in given else "boss@acme.test"
    manager = value if given.startswith("bare") else {"value": value}
    alice = scim.create("alice@acme.test", **{ENTERPRISE: {"manager": manager}})

    assert person(scim, "alice@acme.test").manager_email == "boss@acme.test"
    assert alice[ENTERPRISE]["manager"] == {
        "value": boss["id"],
        "$ref": boss["meta"]["location"],
        "displayName": "The Boss",
    }


def test_a_changed_manager_is_patched_by_id(scim: Scim) -> None:
    first, second = scim.create("one@acme.test"), scim.create("two@acme.test")
    alice = scim.create("alice@acme.test", **{ENTERPRISE: {"manager": {"value": first["id"]}}})
    path = f"{ENTERPRISE}:manager"
    status, _ = scim.patch(alice["id"], {"op": "replace", "path": path, "value": second["id"]})
    assert status == 200
    assert person(scim, "alice@acme.test").manager_email == "two@acme.test"


def test_delete_makes_the_person_a_leaver_no_longer_listed(scim: Scim) -> None:
    alice = scim.create("alice@acme.test")
    answer = scim.http.delete(f"/scim/v2/Users/{alice['id']}")

    assert (answer.status_code, answer.content) == (204, b"")
    assert scim.call("GET", f"/Users/{alice['id']}")[0] == 404
    assert user_names(scim) == []
    assert not person(scim, "alice@acme.test").active
    assert audit(scim)[-2:] == [
        ("scim:okta", "person.left", "person:alice@acme.test"),
        ("scim:okta", "scim.user.deleted", "person:alice@acme.test"),
    ]
    assert scim.create("alice@acme.test")["id"] == alice["id"]  # created again: back


def test_unknown_endpoints_and_methods_are_scim_errors(scim: Scim) -> None:
    assert scim.call("GET", "/Bulk")[0] == 404
    assert scim.call("POST", "/ServiceProviderConfig", {})[0] == 405
    assert scim.call("POST", "/Groups/1/members", {})[0] == 405
    status, body = scim.call("POST", "/Users", None)
    assert (status, body["scimType"]) == (400, "invalidSyntax")


def test_names_are_cleaned_and_cut_as_from_any_directory_but_a_bad_user_name_is_refused(
    scim: Scim,
) -> None:
    created = scim.create("alice@acme.test", displayName="Alice\x00\tArcher" + "x" * 300)
    assert created["displayName"].startswith("Alice Archer")
    assert len(created["displayName"]) == 200
    status, body = scim.call("POST", "/Users", {"userName": "bob\x07@acme.test"})
    assert (status, body["scimType"]) == (400, "invalidValue")
    assert "control character" in body["detail"]


def test_a_flood_from_one_token_gets_429_with_retry_after_and_others_go_on(scim: Scim) -> None:
    answers = [scim.http.get("/scim/v2/ServiceProviderConfig") for _ in range(101)]

    assert [a.status_code for a in answers[:100]] == [200] * 100
    refused = answers[100]
    assert (refused.status_code, refused.headers["retry-after"]) == (429, "1")
    assert refused.json()["scimType"] == "tooMany"
    other = {"Authorization": f"Bearer {new_token(scim.app, 'entra')}"}
    assert scim.http.get("/scim/v2/Users", headers=other).status_code == 200
    scim.clock.advance(seconds=1)  # 20 more a second
    assert scim.http.get("/scim/v2/Users").status_code == 200
