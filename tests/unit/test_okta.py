"""The Okta connector against a fake Okta org: paging, rate limits, failures, idempotent writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from connectors.http import HttpRejected, Vendor
from connectors.okta import OktaConfig, OktaConnector, from_config
from connectors.okta_api import OktaApi
from connectors.registry import REGISTRY
from tests.fakes.okta import APP_ID, BASE_URL, OKTA_TOKEN, FakeOkta
from workflows.catalog import AppConfig
from workflows.ports import (
    Assignee,
    ConnectorError,
    NotSupported,
    Rejected,
    Retryable,
    SeatRecord,
    UnknownUser,
)

NOW = dt.datetime(2025, 1, 15, 12, 0, tzinfo=dt.UTC)
ANN = Assignee(email="ann@acme.example", name="Ann Archer")
APP_USERS = "/api/v1/apps/{appId}/users"
APP_USER = "/api/v1/apps/{appId}/users/{userId}"


class MovingClock:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.at = NOW
        self.slept: list[float] = []

    def now(self) -> dt.datetime:
        return self.at

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.at += dt.timedelta(seconds=seconds)


@pytest.fixture
def okta() -> FakeOkta:
    return FakeOkta(now=NOW.timestamp)


@pytest.fixture
def client(okta: FakeOkta) -> Iterator[httpx.Client]:
    with okta.client() as client:
        yield client


def api(client: httpx.Client, *, max_pause: float = 5.0) -> OktaApi:
    vendor = Vendor("Figma", "Okta", "the API token in OKTA_TOKEN")
    return OktaApi(BASE_URL, OKTA_TOKEN, client, vendor, now=lambda: NOW, max_pause=max_pause)


def connector(client: httpx.Client, tier_attribute: str | None = "role") -> OktaConnector:
    return OktaConnector("Figma", api(client), APP_ID, tier_attribute=tier_attribute)


def build(client: httpx.Client, env: dict[str, str], **connector: object) -> OktaConnector:
    app = app_config(**connector)
    assert isinstance(app.connector, OktaConfig)
    return from_config(app, app.connector, client=client, env=env)


def app_config(**connector: object) -> AppConfig:
    settings = {"type": "okta", "base_url": BASE_URL, "app_id": APP_ID, "token_env": "OKTA_TOKEN"}
    return REGISTRY.app_model.model_validate(
        {
            "key": "figma",
            "name": "Figma",
            "connector": {**settings, **connector},
            "tiers": [{"key": "viewer", "name": "Viewer"}, {"key": "editor", "name": "Editor"}],
        }
    )


# Listing seats


def test_seats_come_from_every_page_of_assignments_with_tier_and_last_sign_in(
    okta: FakeOkta, client: httpx.Client
) -> None:
    okta.max_page = 2
    for n in range(5):
        user = okta.add_user(f"user{n}@acme.example", last_login=f"2024-12-0{n + 1}T08:00:00.000Z")
        okta.assign(user, created=f"2024-0{n + 1}-01T00:00:00.000Z", role="editor")

    seats = connector(client).list_seats()

    assert seats[0] == SeatRecord(
        email="user0@acme.example",
        tier="editor",
        assigned_on=dt.date(2024, 1, 1),
        last_active_on=dt.date(2024, 12, 1),
        activity="last Okta sign-in",
    )
    assert [s.email for s in seats] == [f"user{n}@acme.example" for n in range(5)]
    pages = okta.calls("GET", APP_USERS)
    assert len(pages) == 3
    assert all(page.params["expand"] == "user" for page in pages)
    assert okta.calls("GET", "/api/v1/users/{id}") == []


def test_a_person_who_never_signed_in_has_no_last_activity(
    okta: FakeOkta, client: httpx.Client
) -> None:
    okta.assign(okta.add_user("ann@acme.example"), role="viewer")

    [seat] = connector(client).list_seats()

    assert seat.last_active_on is None
    assert seat.activity is None
    assert seat.tier == "viewer"


def test_an_org_that_does_not_embed_users_gets_one_lookup_per_seat(
    okta: FakeOkta, client: httpx.Client
) -> None:
    okta.embed_users = False
    okta.assign(okta.add_user("ann@acme.example", last_login="2024-11-30T23:59:00.000Z"))

    [seat] = connector(client).list_seats()

    assert seat.last_active_on == dt.date(2024, 11, 30)
    assert seat.activity == "last Okta sign-in"
    assert len(okta.calls("GET", "/api/v1/users/{id}")) == 1


def test_without_a_tier_attribute_seats_have_no_tier(okta: FakeOkta, client: httpx.Client) -> None:
    okta.assign(okta.add_user("ann@acme.example"), role="editor")

    [seat] = connector(client, tier_attribute=None).list_seats()

    assert seat.tier is None


# Rate limits and passing failures


def test_a_429_without_retry_after_waits_until_the_rate_limit_reset(
    okta: FakeOkta, client: httpx.Client
) -> None:
    okta.fail_next(429, reset_in=42)

    with pytest.raises(Retryable) as raised:
        connector(client).list_seats()

    assert raised.value.retry_after == pytest.approx(42)
    assert "HTTP 429" in str(raised.value)


def test_a_429_with_retry_after_uses_retry_after(okta: FakeOkta, client: httpx.Client) -> None:
    okta.fail_next(429, reset_in=42, retry_after=7)

    with pytest.raises(Retryable) as raised:
        connector(client).check()

    assert raised.value.retry_after == 7


def test_a_server_error_is_retryable_and_the_next_attempt_succeeds(
    okta: FakeOkta, client: httpx.Client
) -> None:
    okta.assign(okta.add_user("ann@acme.example"))
    okta.fail_next(500)
    figma = connector(client)

    with pytest.raises(Retryable):
        figma.list_seats()
    assert [seat.email for seat in figma.list_seats()] == ["ann@acme.example"]


def test_a_spent_rate_limit_pauses_the_next_call_until_the_reset() -> None:
    clock = MovingClock()
    okta = FakeOkta(now=lambda: clock.now().timestamp())
    okta.max_page, okta.budget = 1, 1
    for email in ("ann@acme.example", "bob@acme.example"):
        okta.assign(okta.add_user(email))
    vendor = Vendor("Figma", "Okta", "the API token in OKTA_TOKEN")
    with okta.client() as client:
        paced = OktaApi(
            BASE_URL, OKTA_TOKEN, client, vendor, now=clock.now, sleep=clock.sleep, max_pause=90
        )
        seats = OktaConnector("Figma", paced, APP_ID).list_seats()

    assert len(seats) == 2
    assert clock.slept == [pytest.approx(60)]
    assert [call.status for call in okta.requests] == [200, 200]


def test_a_spent_rate_limit_with_a_long_reset_is_retryable_without_another_call(
    okta: FakeOkta, client: httpx.Client
) -> None:
    okta.max_page, okta.budget = 1, 1
    for email in ("ann@acme.example", "bob@acme.example"):
        okta.assign(okta.add_user(email))
    figma = OktaConnector("Figma", api(client), APP_ID)

    with pytest.raises(Retryable) as raised:
        figma.list_seats()

    assert raised.value.retry_after == pytest.approx(60)
    assert len(okta.requests) == 1


# Credentials and configuration


def test_a_wrong_token_names_the_app_and_the_variable_but_not_the_token(
    okta: FakeOkta, client: httpx.Client
) -> None:
    figma = build(client, {"OKTA_TOKEN": "wrong-secret"})

    with pytest.raises(Rejected) as raised:
        figma.check()

    message = str(raised.value)
    assert "Figma" in message and "OKTA_TOKEN" in message and "401" in message
    assert "wrong-secret" not in message


def test_a_missing_token_variable_is_a_clear_error(client: httpx.Client) -> None:
    with pytest.raises(ConnectorError, match="OKTA_TOKEN is not set"):
        build(client, {})


def test_check_describes_the_app(okta: FakeOkta, client: httpx.Client) -> None:
    figma = build(client, {"OKTA_TOKEN": OKTA_TOKEN}, tier_attribute="role")

    assert figma.check() == "Okta app Figma (ACTIVE)"
    assert figma.tier_attribute == "role" and figma.manual is False
    assert figma.contract() is None


def test_check_with_a_wrong_app_id_says_to_fix_app_id(client: httpx.Client) -> None:
    figma = OktaConnector("Figma", api(client), "0oaNOSUCHAPP")

    with pytest.raises(Rejected, match="no app with id 0oaNOSUCHAPP; check app_id"):
        figma.check()


def test_okta_refusals_carry_its_error_summary_and_code(client: httpx.Client) -> None:
    with pytest.raises(HttpRejected) as raised:
        api(client).call("GET", "/api/v1/users/nobody@acme.example")

    assert raised.value.status == 404
    assert "Not found" in str(raised.value) and "E0000007" in str(raised.value)


def test_a_next_link_to_another_host_is_not_followed() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        link = '<https://evil.example/api/v1/users?after=2>; rel="next"'
        return httpx.Response(200, json=[{"id": "00u1"}], headers={"Link": link})

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as other,
        pytest.raises(Rejected, match=r"leaves acme\.okta\.example"),
    ):
        list(api(other).pages("/api/v1/users"))


# Writes


def test_assigning_a_new_person_posts_one_assignment_with_the_tier(
    okta: FakeOkta, client: httpx.Client
) -> None:
    ann = okta.add_user(ANN.email, "Ann", "Archer")

    connector(client).assign(ANN, "editor")

    [post] = okta.calls("POST", APP_USERS)
    assert post.body == {"id": ann["id"], "scope": "USER", "profile": {"role": "editor"}}
    assert okta.assignments[ann["id"]]["profile"] == {"role": "editor"}


def test_assigning_twice_changes_nothing_the_second_time(
    okta: FakeOkta, client: httpx.Client
) -> None:
    okta.add_user(ANN.email)
    figma = connector(client)

    figma.assign(ANN, "editor")
    figma.assign(ANN, "editor")

    assert len(okta.calls("POST")) == 1


def test_assigning_someone_already_assigned_on_another_tier_only_updates_the_tier(
    okta: FakeOkta, client: httpx.Client
) -> None:
    ann = okta.add_user(ANN.email)
    okta.assign(ann, role="viewer", costCenter="R&D")

    connector(client).assign(ANN, "editor")

    assert okta.calls("POST", APP_USERS) == []
    [update] = okta.calls("POST", APP_USER)
    assert update.body == {"profile": {"role": "editor", "costCenter": "R&D"}}


def test_a_person_whose_login_is_not_their_email_is_found_by_search(
    okta: FakeOkta, client: httpx.Client
) -> None:
    ann = okta.add_user("Ann@Acme.example", login="aarcher")

    connector(client).assign(ANN, "viewer")

    assert ann["id"] in okta.assignments
    [search] = okta.calls("GET", "/api/v1/users")
    assert search.params["search"] == 'profile.email eq "ann@acme.example"'


def test_assigning_a_person_okta_does_not_know_is_an_unknown_user(
    okta: FakeOkta, client: httpx.Client
) -> None:
    with pytest.raises(UnknownUser, match=r"Okta has no user ann@acme\.example"):
        connector(client).assign(ANN, "viewer")

    assert okta.calls("POST") == []


def test_assigning_a_deactivated_person_is_refused(okta: FakeOkta, client: httpx.Client) -> None:
    okta.add_user(ANN.email, status="DEPROVISIONED")

    with pytest.raises(Rejected, match="DEPROVISIONED in Okta"):
        connector(client).assign(ANN, "viewer")


def test_revoking_unassigns_and_revoking_again_is_harmless(
    okta: FakeOkta, client: httpx.Client
) -> None:
    ann = okta.add_user(ANN.email)
    okta.assign(ann)
    figma = connector(client)

    figma.revoke(ANN)
    figma.revoke(ANN)

    assert okta.assignments == {}
    assert [call.status for call in okta.calls("DELETE")] == [204, 404]


def test_revoking_a_person_okta_does_not_know_does_nothing(
    okta: FakeOkta, client: httpx.Client
) -> None:
    connector(client).revoke(ANN)

    assert okta.calls("DELETE") == []


def test_changing_tier_keeps_the_rest_of_the_app_profile(
    okta: FakeOkta, client: httpx.Client
) -> None:
    ann = okta.add_user(ANN.email)
    okta.assign(ann, role="editor", costCenter="R&D")

    connector(client).change_tier(ANN, "viewer")

    assert okta.assignments[ann["id"]]["profile"] == {"role": "viewer", "costCenter": "R&D"}


def test_changing_to_the_current_tier_sends_no_update(okta: FakeOkta, client: httpx.Client) -> None:
    okta.assign(okta.add_user(ANN.email), role="viewer")

    connector(client).change_tier(ANN, "viewer")

    assert okta.calls("POST") == []


def test_changing_the_tier_of_someone_not_assigned_is_refused(
    okta: FakeOkta, client: httpx.Client
) -> None:
    okta.add_user(ANN.email)

    with pytest.raises(Rejected, match="not assigned"):
        connector(client).change_tier(ANN, "viewer")


def test_changing_tier_without_a_tier_attribute_is_for_a_person_to_do(
    client: httpx.Client,
) -> None:
    with pytest.raises(NotSupported, match="tier_attribute"):
        connector(client, tier_attribute=None).change_tier(ANN, "viewer")
