"""Directory sources: people, managers, departments and leavers from Okta, SCIM, Slack and CSV."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.sandbox.local import LocalSlack
from connectors.directories import CsvDirectory, build_directory
from connectors.http import Vendor
from connectors.okta_api import OktaApi
from connectors.okta_directory import OktaDirectory
from connectors.scim_directory import ScimDirectory
from connectors.slack_directory import SlackDirectory
from tests.fakes.okta import BASE_URL, OKTA_TOKEN, FakeOkta
from tests.fakes.scim_server import RunningScimServer
from workflows.catalog import Directory
from workflows.ports import ConnectorError, PersonRecord, Rejected, Retryable

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
SLACK_URL = "https://slack.test/api/"
BOT_TOKEN = "xoxb-directory-test"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def by_email(people: list[PersonRecord]) -> dict[str, PersonRecord]:
    return {person.email: person for person in people}


# Okta


def okta_directory(okta: FakeOkta) -> OktaDirectory:
    vendor = Vendor("Directory (okta)", "Okta", "the API token in OKTA_TOKEN")
    return OktaDirectory(OktaApi(BASE_URL, OKTA_TOKEN, okta.client(), vendor, page_size=2))


def test_okta_people_come_with_departments_and_managers_resolved_to_emails() -> None:
    okta = FakeOkta()
    boss = okta.add_user("boss@acme.example", "Bea", "Boss", department="Design")
    okta.add_user("ann@acme.example", "Ann", "Archer", department="Design", managerId=boss["id"])
    okta.add_user("bob@acme.example", "Bob", "Baker", managerId="BOSS@acme.example")
    okta.add_user("cy@acme.example", "Cy", "Cole", manager="boss@acme.example")
    okta.add_user("di@acme.example", "Di", "Dunn", manager="Bea Boss")

    people = by_email(okta_directory(okta).list_people())

    assert people["ann@acme.example"] == PersonRecord(
        email="ann@acme.example",
        name="Ann Archer",
        manager_email="boss@acme.example",
        department="Design",
    )
    assert people["bob@acme.example"].manager_email == "boss@acme.example"  # by login
    assert people["cy@acme.example"].manager_email == "boss@acme.example"  # an email in manager
    assert people["di@acme.example"].manager_email is None  # a display name resolves to no one
    assert people["boss@acme.example"].manager_email is None


def test_okta_leavers_are_deprovisioned_or_suspended_users_from_every_page() -> None:
    okta = FakeOkta()
    for n in range(3):
        okta.add_user(f"stays{n}@acme.example")
    okta.add_user("gone@acme.example", status="DEPROVISIONED")
    okta.add_user("paused@acme.example", status="SUSPENDED")
    okta.add_user("locked@acme.example", status="LOCKED_OUT")

    people = by_email(okta_directory(okta).list_people())

    assert len(people) == 6
    inactive = {email for email, person in people.items() if not person.active}
    assert inactive == {"gone@acme.example", "paused@acme.example"}
    filters = [c.params.get("filter") for c in okta.calls("GET", "/api/v1/users")]
    assert 'status eq "DEPROVISIONED"' in filters


def test_okta_directory_check_names_the_org() -> None:
    assert okta_directory(FakeOkta()).check() == "Okta directory at acme.okta.example"


def test_okta_directory_with_a_wrong_token_names_the_variable() -> None:
    okta = FakeOkta(token="the-right-one")

    with pytest.raises(Rejected, match="OKTA_TOKEN") as raised:
        okta_directory(okta).list_people()

    assert OKTA_TOKEN not in str(raised.value)


# SCIM against a real scim2-server


def scim_user(admin: httpx.Client, user_name: str, **fields: Any) -> str:
    extension = fields.pop("enterprise", None)
    body = {"schemas": [CORE], "userName": user_name, "active": True, **fields}
    if extension is not None:
        body["schemas"].append(ENTERPRISE)
        body[ENTERPRISE] = extension
    response = admin.post("Users", json=body)
    response.raise_for_status()
    return str(response.json()["id"])


def test_scim_people_come_with_department_manager_and_leavers(
    scim_server: RunningScimServer, client: httpx.Client
) -> None:
    headers = {"Authorization": f"Bearer {scim_server.token}"}
    with httpx.Client(base_url=scim_server.base_url + "/", headers=headers) as admin:
        boss = scim_user(
            admin, "boss@acme.example", displayName="Bea Boss", enterprise={"department": "Ops"}
        )
        scim_user(
            admin,
            "aarcher",
            displayName="Ann Archer",
            emails=[{"value": "old@acme.example"}, {"value": "Ann@Acme.example", "primary": True}],
            enterprise={"department": "Design", "manager": {"value": boss}},
        )
        scim_user(admin, "gone@acme.example", active=False, enterprise={"manager": {"value": "x"}})
    directory = ScimDirectory(
        scim_server.base_url, scim_server.token, client, token_env="SCIM_TOKEN", page_size=2
    )

    people = by_email(directory.list_people())

    assert people == {
        "ann@acme.example": PersonRecord(
            "ann@acme.example", "Ann Archer", None, "boss@acme.example", "Design", True
        ),
        "boss@acme.example": PersonRecord("boss@acme.example", "Bea Boss", department="Ops"),
        "gone@acme.example": PersonRecord("gone@acme.example", active=False),
    }
    assert directory.check().endswith(": 3 users")


def test_scim_directory_with_a_wrong_token_names_the_variable(
    scim_server: RunningScimServer, client: httpx.Client
) -> None:
    directory = ScimDirectory(scim_server.base_url, "wrong-token", client, token_env="SCIM_TOKEN")

    with pytest.raises(Rejected, match="SCIM_TOKEN") as raised:
        directory.list_people()

    assert "wrong-token" not in str(raised.value)


# Slack, through the one fake of Slack's Web API


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    workspace = LocalSlack(BOT_TOKEN)
    workspace.members.page_size = 2  # a few members make pages
    with workspace as running:
        yield running


def person(slack: LocalSlack, user_id: str, email: str | None, **fields: Any) -> None:
    slack.add_user(user_id, email, name=f"Person {user_id}", **fields)


def slack_directory(
    slack: LocalSlack, client: httpx.Client, sleeps: list[float] | None = None
) -> SlackDirectory:
    pause = sleeps.append if sleeps is not None else (lambda _: None)
    return SlackDirectory(BOT_TOKEN, client, api_url=slack.url, sleep=pause)


def cursors(slack: LocalSlack) -> list[str | None]:
    return [params.get("cursor") for params in slack.calls_to("users.list")]


def test_slack_people_come_from_every_page_without_bots_and_deleted_members_are_leavers(
    slack: LocalSlack, client: httpx.Client
) -> None:
    person(slack, "U0ANN0001", "Ann@Acme.example")
    person(slack, "USLACKBOT", None)
    person(slack, "U0BOT0001", "bot@acme.example", is_bot=True)
    person(slack, "U0GONE001", "gone@acme.example", deleted=True)

    people = slack_directory(slack, client).list_people()

    assert people == [
        PersonRecord("ann@acme.example", "Person U0ANN0001", "U0ANN0001"),
        PersonRecord("gone@acme.example", "Person U0GONE001", "U0GONE001", active=False),
    ]
    first, second = cursors(slack)
    assert first is None and second  # the second page from the cursor the first one gave


def test_slack_rate_limits_are_waited_out_and_the_same_page_asked_again(
    slack: LocalSlack, client: httpx.Client
) -> None:
    person(slack, "U0ANN0001", "ann@acme.example")
    slack.fail_next("users.list", retry_after=3)
    sleeps: list[float] = []

    people = slack_directory(slack, client, sleeps).list_people()

    assert [p.email for p in people] == ["ann@acme.example"]
    assert sleeps == [3]
    assert cursors(slack) == [None, None]


def test_a_long_slack_rate_limit_is_retryable_with_its_wait(
    slack: LocalSlack, client: httpx.Client
) -> None:
    person(slack, "U0ANN0001", "ann@acme.example")
    slack.fail_next("users.list", retry_after=120)

    with pytest.raises(Retryable) as raised:
        slack_directory(slack, client).list_people()

    assert raised.value.retry_after == 120


def test_a_wrong_slack_token_says_which_token(client: httpx.Client) -> None:
    with (
        LocalSlack("xoxb-other") as slack,
        pytest.raises(Rejected, match=r"invalid_auth.*SLACK_BOT_TOKEN"),
    ):
        slack_directory(slack, client).list_people()


def test_slack_members_without_emails_mean_the_email_scope_is_missing(
    slack: LocalSlack, client: httpx.Client
) -> None:
    person(slack, "U0ANN0001", None)

    with pytest.raises(Rejected, match=r"users:read\.email"):
        slack_directory(slack, client).list_people()


# CSV


HEADER = "email,name,slack_user_id,manager_email,department,active"


def test_csv_people_keep_managers_departments_and_leavers(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        f"{HEADER}\nann@acme.test,Ann,U0ANN0001,bea@acme.test,Design,true\n"
        "bea@acme.test,Bea,,,Design,false\n"
    )

    people = CsvDirectory(path).list_people()

    assert people == [
        PersonRecord("ann@acme.test", "Ann", "U0ANN0001", "bea@acme.test", "Design", True),
        PersonRecord("bea@acme.test", "Bea", None, None, "Design", False),
    ]
    assert CsvDirectory(path).check().endswith("2 people")


def test_a_broken_csv_is_refused_with_every_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(f"{HEADER}\nnot-an-email,Ann,,,,\nbob@acme.test,Bob,,,,maybe\n")

    with pytest.raises(ConnectorError) as raised:
        CsvDirectory(path).list_people()

    assert f"{path}:2:" in str(raised.value) and f"{path}:3:" in str(raised.value)


def test_a_missing_csv_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConnectorError, match="cannot read"):
        CsvDirectory(tmp_path / "nope.csv").list_people()


# Building from the config


def build(config: Directory, env: dict[str, str], slack_token: str | None = None) -> object:
    with httpx.Client() as client:
        return build_directory(
            config, client=client, env=env, slack_token=slack_token, slack_api_url=SLACK_URL
        )


def test_each_directory_source_builds_its_own_reader() -> None:
    okta = Directory(source="okta", base_url=BASE_URL, token_env="OKTA_TOKEN")
    scim = Directory(source="scim", base_url="https://idp.test/scim/v2", token_env="SCIM")

    assert isinstance(build(okta, {"OKTA_TOKEN": "t"}), OktaDirectory)
    assert isinstance(build(scim, {"SCIM": "t"}), ScimDirectory)
    assert isinstance(build(Directory(source="slack"), {}, BOT_TOKEN), SlackDirectory)
    assert isinstance(build(Directory(source="csv", path="people.csv"), {}), CsvDirectory)


def test_a_directory_whose_secret_is_missing_names_the_variable() -> None:
    okta = Directory(source="okta", base_url=BASE_URL, token_env="OKTA_DIR_TOKEN")

    with pytest.raises(ConnectorError, match="OKTA_DIR_TOKEN is not set"):
        build(okta, {})
    with pytest.raises(ConnectorError, match="SLACK_BOT_TOKEN"):
        build(Directory(source="slack"), {})
    with pytest.raises(ConnectorError, match="needs path"):
        build(Directory(source="csv"), {})
