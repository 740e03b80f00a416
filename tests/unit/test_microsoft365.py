from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from connectors.microsoft365 import Microsoft365Config, Microsoft365Connector, from_config
from connectors.oauth import ClientCredentials, client_credentials
from connectors.registry import REGISTRY
from tests.fakes.clock import FakeClock
from tests.fakes.graph import CLIENT_ID, CLIENT_SECRET, SCOPE, TENANT_ID, FakeGraph, Licence
from workflows.catalog import AppConfig
from workflows.ports import (
    Assignee,
    ConnectorError,
    ContractFigures,
    NotSupported,
    Rejected,
    Retryable,
    SeatRecord,
    UnknownUser,
)

ENV = {"M365_CLIENT_SECRET": CLIENT_SECRET}
SKUS = {"e3": "ENTERPRISEPACK", "e5": "SPE_E5"}
ANN, BOB = Assignee("ann@contoso.example"), Assignee("bob@contoso.example")
M365 = Microsoft365Connector
TOKEN_URL = f"https://login.microsoftonline.com/{TENANT_ID}/oauth2/v2.0/token"


def app_config(**connector: Any) -> AppConfig:
    config = {
        "type": "microsoft365",
        "tenant_id": TENANT_ID,
        "client_id": CLIENT_ID,
        "client_secret_env": "M365_CLIENT_SECRET",
        "skus": SKUS,
        **connector,
    }
    tiers = [{"key": key, "name": key.upper()} for key in connector.get("skus", SKUS)]
    return REGISTRY.app_model.model_validate(
        {"key": "m365", "name": "Microsoft 365", "connector": config, "tiers": tiers}
    )


@pytest.fixture
def fake() -> FakeGraph:
    fake = FakeGraph(page_size=2)
    fake.add_sku("ENTERPRISEPACK", 50)
    fake.add_sku("SPE_E5", 10)
    fake.add_sku("FLOW_FREE", 1000)  # a SKU no tier maps
    return fake


@pytest.fixture
def client(fake: FakeGraph) -> Iterator[httpx.Client]:
    with httpx.Client(transport=fake.transport()) as client:
        yield client


@pytest.fixture
def m365(client: httpx.Client) -> M365:
    return connect(client)


def connect(client: httpx.Client, env: dict[str, str] = ENV) -> M365:
    app = app_config()
    assert isinstance(app.connector, Microsoft365Config)
    return from_config(app, app.connector, client=client, env=env)


def posted(fake: FakeGraph) -> list[dict[str, Any]]:
    return [json.loads(r.content) for r in fake.requests if r.url.path.endswith("/assignLicense")]


def test_seats_are_listed_across_pages_with_tier_licence_date_and_last_sign_in(
    fake: FakeGraph, m365: M365
) -> None:
    for n in range(5):
        fake.add_user(f"e3-{n}@contoso.example", "ENTERPRISEPACK")
    fake.add_user("ann@contoso.example", "SPE_E5", "FLOW_FREE").sign_in = {
        "lastSignInDateTime": "2026-10-01T08:00:00Z",
        "lastSuccessfulSignInDateTime": "2026-11-20T17:30:00Z",
    }
    fake.add_user("nobody@contoso.example", "FLOW_FREE")

    seats = {seat.email: seat for seat in m365.list_seats()}

    assert len(seats) == 6
    assert seats["ann@contoso.example"] == SeatRecord(
        "ann@contoso.example",
        "e5",
        dt.date(2026, 1, 5),
        dt.date(2026, 11, 20),
        activity="last sign-in",
    )
    assert seats["e3-4@contoso.example"].activity is None  # never signed in
    assert seats["e3-4@contoso.example"].tier == "e3"
    pages = [r for r in fake.requests if r.url.path == "/v1.0/users"]
    assert len(pages) == 4  # three pages of E3 holders, one of E5
    assert all(r.headers["ConsistencyLevel"] == "eventual" for r in pages)
    assert all(r.url.params["$count"] == "true" for r in pages)


def test_a_user_holding_two_mapped_skus_is_one_seat_on_the_first_mapped_tier(
    fake: FakeGraph, m365: M365
) -> None:
    fake.add_user("ann@contoso.example", "ENTERPRISEPACK", "SPE_E5")

    assert [(s.email, s.tier) for s in m365.list_seats()] == [("ann@contoso.example", "e3")]


def test_without_a_successful_sign_in_date_the_newest_other_sign_in_counts(
    fake: FakeGraph, m365: M365
) -> None:
    fake.add_user("ann@contoso.example", "ENTERPRISEPACK").sign_in = {
        "lastSignInDateTime": "2026-09-01T08:00:00Z",
        "lastNonInteractiveSignInDateTime": "2026-11-02T08:00:00Z",
    }

    seat = m365.list_seats()[0]
    assert seat.last_active_on == dt.date(2026, 11, 2)
    assert seat.activity == "last sign-in"


def test_without_entra_premium_seats_come_without_last_activity_and_check_says_so(
    fake: FakeGraph, m365: M365
) -> None:
    fake.premium = False
    fake.add_user("ann@contoso.example", "ENTERPRISEPACK").sign_in = {
        "lastSignInDateTime": "2026-09-01T08:00:00Z"
    }

    assert m365.list_seats() == [
        SeatRecord("ann@contoso.example", "e3", assigned_on=dt.date(2026, 1, 5))
    ]
    assert "last sign-in unavailable (needs AuditLog.Read.All and Entra ID P1)" in m365.check()


def test_a_429_is_retryable_after_retry_after_and_the_next_attempt_succeeds(
    fake: FakeGraph, m365: M365
) -> None:
    fake.add_user("ann@contoso.example", "ENTERPRISEPACK")
    fake.fail_next(429, path="/v1.0/users", retry_after="7")

    with pytest.raises(Retryable) as error:
        m365.list_seats()

    assert error.value.retry_after == 7
    assert "HTTP 429" in str(error.value)
    assert [seat.email for seat in m365.list_seats()] == ["ann@contoso.example"]


def test_a_503_is_retryable_and_a_retry_succeeds(fake: FakeGraph, m365: M365) -> None:
    fake.add_user("bob@contoso.example")
    fake.fail_next(503, path="/v1.0/users/bob@contoso.example")

    with pytest.raises(Retryable, match="HTTP 503"):
        m365.assign(BOB, "e3")
    m365.assign(BOB, "e3")

    assert fake.user("bob@contoso.example").sku_ids() == {fake.sku_id("ENTERPRISEPACK")}


@pytest.mark.parametrize(("expired", "code"), [(False, "AADSTS7000215"), (True, "AADSTS7000222")])
def test_a_wrong_or_expired_secret_names_the_app_and_its_variable_but_not_the_secret(
    fake: FakeGraph, client: httpx.Client, expired: bool, code: str
) -> None:
    fake.secret_expired = expired
    secret = "not-the-right-secret" if not expired else CLIENT_SECRET
    m365 = connect(client, {"M365_CLIENT_SECRET": secret})

    with pytest.raises(Rejected) as error:
        m365.check()

    assert str(error.value) == (
        "Microsoft 365: the tenant refused the client secret in M365_CLIENT_SECRET "
        f"(invalid_client, {code}); check it has not expired"
    )
    assert secret not in str(error.value)
    assert fake.calls() == []


@pytest.mark.parametrize(
    ("tenant", "client_id", "said"),
    [
        (TENANT_ID, "someone-else", "does not accept client someone-else (unauthorized_client"),
        ("no-such-tenant", CLIENT_ID, "refused the token request (invalid_request, AADSTS90002)"),
    ],
)
def test_an_unknown_client_id_or_tenant_names_the_settings_to_check(
    fake: FakeGraph, tenant: str, client_id: str, said: str
) -> None:
    url = TOKEN_URL.replace(TENANT_ID, tenant)
    credentials = ClientCredentials(url, client_id, CLIENT_SECRET, SCOPE, "M365_SECRET", "ids")
    with httpx.Client(transport=fake.transport()) as client:
        tokens = client_credentials(
            client, credentials, app_name="Microsoft 365", issuer="the tenant"
        )
        with pytest.raises(Rejected) as error:
            tokens.token()

    assert str(error.value).startswith(f"Microsoft 365: the tenant {said}")
    assert str(error.value).endswith("; check ids")
    assert CLIENT_SECRET not in str(error.value) and CLIENT_SECRET not in repr(credentials)


def test_a_missing_secret_variable_is_named_before_any_call(client: httpx.Client) -> None:
    with pytest.raises(ConnectorError, match="M365_CLIENT_SECRET is not set"):
        connect(client, {})


def test_the_token_is_reused_until_shortly_before_it_expires(fake: FakeGraph) -> None:
    clock = FakeClock()
    credentials = ClientCredentials(TOKEN_URL, CLIENT_ID, CLIENT_SECRET, SCOPE, "M365_SECRET")
    with httpx.Client(transport=fake.transport()) as client:
        tokens = client_credentials(client, credentials, app_name="Microsoft 365", now=clock.now)
        first = tokens.token()
        clock.advance(minutes=58)
        assert tokens.token() == first
        clock.advance(minutes=1, seconds=1)  # within a minute of the hour the token lasts
        assert tokens.token() != first

    assert fake.token_requests() == 2


def test_a_token_graph_refuses_is_replaced_once_and_the_call_goes_through(
    fake: FakeGraph, m365: M365
) -> None:
    m365.check()
    fake.expire_tokens()

    assert m365.contract() == ContractFigures(seats=60, assigned=0)
    assert fake.token_requests() == 2


def test_graph_refusing_a_fresh_token_names_the_permissions_the_app_needs(
    fake: FakeGraph, m365: M365
) -> None:
    fake.fail_next(403)

    with pytest.raises(Rejected, match=r"HTTP 403") as error:
        m365.contract()

    assert "LicenseAssignment.ReadWrite.All" in str(error.value)
    assert fake.token_requests() == 1


def test_an_outage_of_the_token_endpoint_is_retryable(client: httpx.Client) -> None:
    def outage(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="down", headers={"Retry-After": "30"})

    credentials = ClientCredentials(TOKEN_URL, CLIENT_ID, CLIENT_SECRET, SCOPE, "M365_SECRET")
    with httpx.Client(transport=httpx.MockTransport(outage)) as down:
        tokens = client_credentials(down, credentials, app_name="Microsoft 365")
        with pytest.raises(Retryable) as error:
            tokens.token()

    assert error.value.retry_after == 30


def test_assigning_posts_the_tier_sku_with_no_disabled_plans(fake: FakeGraph, m365: M365) -> None:
    fake.add_user("bob@contoso.example")

    m365.assign(BOB, "e5")

    sku = fake.sku_id("SPE_E5")
    assert posted(fake) == [
        {"addLicenses": [{"skuId": sku, "disabledPlans": []}], "removeLicenses": []}
    ]
    assert fake.user("bob@contoso.example").sku_ids() == {sku}


def test_assigning_a_licence_the_user_already_holds_makes_no_call(
    fake: FakeGraph, m365: M365
) -> None:
    fake.add_user("ann@contoso.example", "SPE_E5")

    m365.assign(ANN, "e5")
    m365.assign(ANN, "e5")

    assert posted(fake) == []


@pytest.mark.parametrize("write", ["assign", "change_tier"])
def test_giving_an_unknown_user_a_seat_raises_unknown_user(m365: M365, write: str) -> None:
    with pytest.raises(UnknownUser, match=r"has no user ann@contoso\.example"):
        getattr(m365, write)(ANN, "e5")


def test_a_user_is_found_by_mail_when_their_user_principal_name_differs(
    fake: FakeGraph, m365: M365
) -> None:
    fake.add_user("a.lovelace@contoso.onmicrosoft.com", mail="Ann@contoso.example")

    m365.assign(ANN, "e3")

    assert fake.user("a.lovelace@contoso.onmicrosoft.com").sku_ids() == {
        fake.sku_id("ENTERPRISEPACK")
    }


def test_assigning_without_free_licences_is_rejected_with_graphs_message(
    fake: FakeGraph, m365: M365
) -> None:
    fake.skus[fake.sku_id("SPE_E5")].enabled = 0
    fake.add_user("bob@contoso.example")

    with pytest.raises(Rejected) as error:
        m365.assign(BOB, "e5")

    assert "refused the licence change +SPE_E5 for bob@contoso.example" in str(error.value)
    assert "does not have any available licenses" in str(error.value)


def test_assigning_a_tier_without_a_sku_is_rejected_naming_it(fake: FakeGraph, m365: M365) -> None:
    with pytest.raises(Rejected, match="tier e1 has no SKU"):
        m365.assign(BOB, "e1")


def test_revoking_removes_every_mapped_licence_and_keeps_the_others(
    fake: FakeGraph, m365: M365
) -> None:
    ann = fake.add_user("ann@contoso.example", "ENTERPRISEPACK", "SPE_E5", "FLOW_FREE")

    m365.revoke(ANN)

    assert ann.sku_ids() == {fake.sku_id("FLOW_FREE")}
    assert len(posted(fake)) == 1


def test_revoking_from_someone_without_a_licence_or_account_does_nothing(
    fake: FakeGraph, m365: M365
) -> None:
    fake.add_user("ann@contoso.example", "FLOW_FREE")

    m365.revoke(ANN)
    m365.revoke(BOB)

    assert posted(fake) == []


def test_a_licence_a_group_gives_cannot_be_revoked_here_so_a_person_must(
    fake: FakeGraph, m365: M365
) -> None:
    ann = fake.add_user("ann@contoso.example")
    ann.licences.append(Licence(fake.sku_id("SPE_E5"), group="e5-licensed"))

    with pytest.raises(NotSupported, match=r"SPE_E5 \(group e5-licensed\) through group-based"):
        m365.revoke(ANN)
    assert posted(fake) == []


def test_changing_tier_adds_the_new_licence_and_removes_the_old_in_one_call(
    fake: FakeGraph, m365: M365
) -> None:
    ann = fake.add_user("ann@contoso.example", "ENTERPRISEPACK", "FLOW_FREE")

    m365.change_tier(ANN, "e5")
    m365.change_tier(ANN, "e5")

    e3, e5 = fake.sku_id("ENTERPRISEPACK"), fake.sku_id("SPE_E5")
    assert posted(fake) == [
        {"addLicenses": [{"skuId": e5, "disabledPlans": []}], "removeLicenses": [e3]}
    ]
    assert ann.sku_ids() == {e5, fake.sku_id("FLOW_FREE")}


def test_contract_figures_sum_prepaid_and_consumed_units_of_the_mapped_skus(
    fake: FakeGraph, m365: M365
) -> None:
    fake.add_user("ann@contoso.example", "ENTERPRISEPACK", "FLOW_FREE")
    fake.add_user("bob@contoso.example", "SPE_E5")

    assert m365.contract() == ContractFigures(seats=60, assigned=2)


def test_check_describes_the_tenant_and_each_mapped_sku(fake: FakeGraph, m365: M365) -> None:
    fake.add_user("ann@contoso.example", "ENTERPRISEPACK")

    assert m365.check() == (
        f"Microsoft Graph: tenant {TENANT_ID}, SKUs ENTERPRISEPACK 1/50, SPE_E5 0/10; "
        "last sign-in readable"
    )


def test_check_names_a_mapped_sku_the_tenant_does_not_have(client: httpx.Client) -> None:
    app = app_config(skus={"e3": "ENTERPRISEPACK", "e5": "SPE_E7"})
    assert isinstance(app.connector, Microsoft365Config)
    m365 = from_config(app, app.connector, client=client, env=ENV)

    with pytest.raises(Rejected, match=f"tenant {TENANT_ID} has no subscription to SPE_E7"):
        m365.check()
