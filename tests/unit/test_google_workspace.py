from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from connectors.google_auth import ADMIN_SCOPES, SCOPES, USAGE_SCOPES
from connectors.google_workspace import GoogleWorkspaceConnector, from_config
from connectors.registry import REGISTRY
from tests.fakes.google import NEVER, FakeGoogle, service_account
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

STARTER, STANDARD = "1010020027", "1010020028"
VARIABLE = "GWS_SERVICE_ACCOUNT_KEY"
LICENCES = "/apps/licensing/v1/product/Google-Apps"
USAGE = "/admin/reports/v1/usage/users/all/dates/"
GMAIL, DRIVE = "gmail:timestamp_last_interaction", "drive:timestamp_last_active_usage"
SIGN_IN, GMAIL_OR_DRIVE = "last sign-in", "last Gmail or Drive use"  # as seat holders read them
ANN = Assignee("ann@example.com", "Ann Archer")


class Clock:
    """A clock the test moves by hand; the connector and the fake share it."""

    def __init__(self) -> None:
        self.at = dt.datetime(2025, 3, 14, 12, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.at


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def google(clock: Clock) -> FakeGoogle:
    return FakeGoogle(now=clock.now)


@pytest.fixture
def client(google: FakeGoogle) -> Iterator[httpx.Client]:
    with httpx.Client(transport=google.transport()) as client:
        yield client


def app(**connector: Any) -> AppConfig:
    config = {
        "type": "google_workspace",
        "product_id": "Google-Apps",
        "skus": {"starter": STARTER, "standard": STANDARD},
        "credentials_env": VARIABLE,
        "subject": "admin@example.com",
        **connector,
    }
    tiers = [{"key": key, "name": key.title()} for key in config["skus"]]
    return REGISTRY.app_model.model_validate(
        {"key": "gws", "name": "Google Workspace", "tiers": tiers, "connector": config}
    )


def build(
    client: httpx.Client, clock: Clock, key: str | None = None, **connector: Any
) -> GoogleWorkspaceConnector:
    env = {VARIABLE: key if key is not None else service_account().json}
    config = app(**connector)
    return from_config(config, config.connector, client=client, env=env, now=clock.now)


@pytest.fixture
def gws(client: httpx.Client, clock: Clock) -> GoogleWorkspaceConnector:
    return build(client, clock)


def test_list_seats_follows_every_page_and_merges_each_holders_last_sign_in(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    for n in range(5):
        google.give(f"user{n}@example.com", STARTER, f"2025-03-0{n + 1}T09:30:00.000Z")
    google.give("Boss@Example.com", STANDARD)  # never signed in: the epoch
    google.add_user("nolicence@example.com", "2025-03-10T00:00:00.000Z")

    seats = gws.list_seats()

    assert sorted(seats, key=lambda seat: seat.email) == [
        SeatRecord("boss@example.com", "standard", last_active_on=None),
        *(
            SeatRecord(
                f"user{n}@example.com",
                "starter",
                last_active_on=dt.date(2025, 3, n + 1),
                activity=SIGN_IN,
            )
            for n in range(5)
        ),
    ]
    assert len(google.calls(f"/sku/{STARTER}/users")) == 3  # pages of two
    assert len(google.calls("GET /admin/directory/v1/users")) == 1 + 4  # customer id, then 8 users


def test_the_my_customer_alias_is_resolved_once_to_the_id_licensing_wants(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.give("ann@example.com", STARTER)

    gws.list_seats()
    gws.list_seats()

    listing = [r for r in google.requests if "/users" in r.url.path and "/sku/" in r.url.path]
    assert {r.url.params["customerId"] for r in listing} == {"C0fake123"}
    resolved = [r for r in google.requests if r.url.params.get("fields") == "users(customerId)"]
    assert len(resolved) == 1


def test_a_domain_as_customer_id_is_sent_to_directory_as_domain(
    google: FakeGoogle, client: httpx.Client, clock: Clock
) -> None:
    google.give("ann@example.com", STARTER, "2025-02-01T00:00:00Z")

    seats = build(client, clock, customer_id="example.com").list_seats()

    assert seats == [
        SeatRecord(
            "ann@example.com", "starter", last_active_on=dt.date(2025, 2, 1), activity=SIGN_IN
        )
    ]
    directory = [r for r in google.requests if r.url.path == "/admin/directory/v1/users"]
    assert [r.url.params.get("domain") for r in directory] == ["example.com"]
    usage = [r for r in google.requests if r.url.path.startswith(USAGE)]
    assert {r.url.params["customerId"] for r in usage} == {"my_customer"}  # Reports takes no domain


def test_a_429_is_retryable_after_the_seconds_google_asked_for(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.give("ann@example.com", STARTER)
    google.fail(429, "/sku/", retry_after="17")

    with pytest.raises(Retryable) as error:
        gws.list_seats()

    assert error.value.retry_after == 17
    assert "HTTP 429" in str(error.value)


def test_a_503_is_retryable_and_the_next_attempt_succeeds(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.fail(503, "/sku/")

    with pytest.raises(Retryable, match="HTTP 503"):
        gws.assign(ANN, "starter")
    google.add_user(ANN.email)
    gws.assign(ANN, "starter")

    assert google.licences == {ANN.email: STARTER}


def test_a_token_endpoint_outage_or_unreachable_network_is_retryable(
    google: FakeGoogle, clock: Clock
) -> None:
    google.fail(503, "/token", retry_after="5")
    with httpx.Client(transport=google.transport()) as client, pytest.raises(Retryable) as error:
        build(client, clock).check()
    assert error.value.retry_after == 5

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    offline = httpx.Client(transport=httpx.MockTransport(unreachable))
    with offline, pytest.raises(Retryable, match="could not reach Google's token endpoint"):
        build(offline, clock).check()


def test_a_subject_who_is_no_admin_gets_a_clear_invalid_grant_without_the_key(
    google: FakeGoogle, client: httpx.Client, clock: Clock
) -> None:
    gws = build(client, clock, subject="intern@example.com")

    with pytest.raises(Rejected) as error:
        gws.list_seats()

    message = str(error.value)
    assert message.startswith("Google Workspace: Google's token endpoint refused")
    assert VARIABLE in message and "intern@example.com" in message and "invalid_grant" in message
    assert "PRIVATE KEY" not in message and "eyJ" not in message


def test_a_key_from_another_key_pair_is_refused_as_invalid_grant(
    google: FakeGoogle, client: httpx.Client, clock: Clock
) -> None:
    other = service_account("other@seatkeeper-test.iam.gserviceaccount.com")
    forged = {**json.loads(other.json), "client_email": google.account.client_email}

    with pytest.raises(Rejected, match=r"invalid_grant: Invalid JWT Signature") as error:
        build(client, clock, json.dumps(forged)).check()
    assert VARIABLE in str(error.value) and "BEGIN" not in str(error.value)


def test_missing_domain_wide_delegation_says_which_client_id_and_scopes_to_allow(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.delegated = {SCOPES[0]}

    with pytest.raises(Rejected) as error:
        gws.check()

    message = str(error.value)
    assert "unauthorized_client" in message and "Domain-wide delegation" in message
    assert google.account.client_id in message and all(scope in message for scope in SCOPES)


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("{not json", "it is not valid JSON"),
        ('["a list"]', "it is not a JSON object"),
        ('{"type": "authorized_user"}', "its type is 'authorized_user'"),
        ('{"type": "service_account", "client_email": "x@y"}', "missing private_key"),
        ('{"client_email": "x@y", "private_key": "-----BEGIN nonsense"}', "not a PEM key"),
    ],
)
def test_a_malformed_key_is_a_config_error_naming_the_variable_not_the_key(
    client: httpx.Client, clock: Clock, key: str, problem: str
) -> None:
    with pytest.raises(ConnectorError) as error:
        build(client, clock, key)

    assert VARIABLE in str(error.value) and problem in str(error.value)
    assert "nonsense" not in str(error.value)


def test_an_unset_variable_is_a_config_error_naming_it(client: httpx.Client) -> None:
    with pytest.raises(ConnectorError, match=f"{VARIABLE} is not set"):
        from_config(app(), app().connector, client=client, env={})


def test_assigning_a_user_google_does_not_know_raises_unknown_user(
    gws: GoogleWorkspaceConnector,
) -> None:
    with pytest.raises(UnknownUser, match=r"has no user ann@example\.com.*User does not exist"):
        gws.assign(ANN, "starter")


def test_assigning_twice_is_idempotent(google: FakeGoogle, gws: GoogleWorkspaceConnector) -> None:
    google.add_user(ANN.email)

    gws.assign(ANN, "starter")
    gws.assign(ANN, "starter")

    assert google.licences == {ANN.email: STARTER}
    inserts = [r for r in google.requests if r.method == "POST" and "/sku/" in r.url.path]
    assert [json.loads(r.content) for r in inserts] == [{"userId": ANN.email}] * 2


def test_assigning_someone_who_holds_another_tier_moves_their_licence(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.give(ANN.email, STARTER)

    gws.assign(ANN, "standard")

    assert google.licences == {ANN.email: STANDARD}


def test_revoking_deletes_the_licence_and_revoking_again_changes_nothing(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.give(ANN.email, STANDARD)

    gws.revoke(ANN)
    gws.revoke(ANN)
    gws.revoke(Assignee("nobody@example.com"))

    assert google.licences == {}
    assert google.calls("DELETE") == [f"DELETE {LICENCES}/sku/{STANDARD}/user/{ANN.email}"]


def test_change_tier_patches_the_assignment_from_the_old_sku_to_the_new(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.give(ANN.email, STARTER)

    gws.change_tier(ANN, "standard")
    gws.change_tier(ANN, "standard")

    assert google.licences == {ANN.email: STANDARD}
    patches = [r for r in google.requests if r.method == "PATCH"]
    assert [(r.url.path, json.loads(r.content)) for r in patches] == [
        (f"{LICENCES}/sku/{STARTER}/user/{ANN.email}", {"skuId": STANDARD})
    ]


def test_change_tier_for_someone_without_a_licence_assigns_one(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.add_user(ANN.email)

    gws.change_tier(ANN, "standard")

    assert google.licences == {ANN.email: STANDARD}


def test_a_tier_without_a_mapped_sku_is_left_to_a_person(gws: GoogleWorkspaceConnector) -> None:
    with pytest.raises(NotSupported, match="tier plus has no Google SKU"):
        gws.assign(ANN, "plus")


def test_the_token_is_an_rs256_jwt_for_the_subject_and_is_reused_until_near_expiry(
    google: FakeGoogle, gws: GoogleWorkspaceConnector, clock: Clock
) -> None:
    google.give(ANN.email, STARTER)
    gws.list_seats()  # usage reports ask for a token of their own
    gws.revoke(ANN)
    clock.at += dt.timedelta(minutes=54)
    gws.revoke(ANN)
    clock.at += dt.timedelta(minutes=5)  # within a minute of expiry: fetch a new one
    gws.revoke(ANN)

    claims = [_json_part(_assertion(r), 1) for r in google.requests if r.url.path == "/token"]
    scopes = [claim["scope"] for claim in claims]
    assert scopes == [" ".join(ADMIN_SCOPES), " ".join(USAGE_SCOPES), " ".join(ADMIN_SCOPES)]
    grant = google.requests[0]
    assert _json_part(_assertion(grant), 0) == {"alg": "RS256", "typ": "JWT", "kid": "test-key-1"}
    assert all(claim["sub"] == "admin@example.com" for claim in claims)
    assert claims[0]["exp"] - claims[0]["iat"] == 3600


def test_a_token_is_kept_until_a_minute_before_it_expires_as_every_vendors_is(
    google: FakeGoogle, gws: GoogleWorkspaceConnector, clock: Clock
) -> None:
    google.give(ANN.email, STARTER)
    gws.revoke(ANN)
    clock.at += dt.timedelta(minutes=58)
    gws.revoke(ANN)

    assert len([r for r in google.requests if r.url.path == "/token"]) == 1


def test_contract_figures_are_not_exposed(gws: GoogleWorkspaceConnector) -> None:
    assert gws.contract() is None
    assert gws.manual is False


def test_check_reads_every_sku_and_the_directory_and_says_so_in_one_line(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    assert gws.check() == (
        "Google Workspace at licensing.googleapis.com: product Google-Apps for customer "
        f"C0fake123 as admin@example.com; SKUs starter={STARTER}, standard={STANDARD} "
        "and the directory are readable; usage reports are readable (the latest ready is for "
        "2025-03-12)"
    )


def test_last_activity_is_the_latest_gmail_or_drive_use_even_when_a_sign_in_is_newer(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.give("ann@example.com", STARTER, "2025-03-01T08:00:00.000Z")
    google.use("ann@example.com", GMAIL, "2025-03-10T09:00:00.000Z")  # newer than the sign-in
    google.use("ann@example.com", DRIVE, "2025-03-11T23:30:00.000Z")
    google.give("bob@example.com", STARTER, "2025-03-12T07:00:00.000Z")  # a fresh browser session
    google.use("bob@example.com", GMAIL, "2025-01-20T09:00:00.000Z")  # ... but no mail since

    seats = gws.list_seats()

    assert {seat.email: seat.last_active_on for seat in seats} == {
        "ann@example.com": dt.date(2025, 3, 11),
        "bob@example.com": dt.date(2025, 1, 20),
    }
    assert {seat.activity for seat in seats} == {GMAIL_OR_DRIVE}
    usage = [r.url.params for r in google.requests if r.url.path.startswith(USAGE)]
    assert {(q["parameters"], q["customerId"]) for q in usage} == {
        (f"{GMAIL},{DRIVE}", "C0fake123")
    }


def test_without_usage_for_a_user_last_activity_falls_back_to_the_directory_sign_in(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.give("ann@example.com", STARTER, "2025-03-05T10:00:00.000Z")
    google.use("ann@example.com", GMAIL, NEVER)  # Google's "never"
    google.give("bob@example.com", STARTER)  # never signed in either

    seats = gws.list_seats()

    assert {seat.email: seat.last_active_on for seat in seats} == {
        "ann@example.com": dt.date(2025, 3, 5),
        "bob@example.com": None,
    }
    assert {seat.email: seat.activity for seat in seats} == {
        "ann@example.com": SIGN_IN,
        "bob@example.com": None,
    }


def test_usage_is_read_from_the_newest_day_google_has_ready_stepping_back_a_day_at_a_time(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.report_lag = 3  # 2025-03-12 is "not yet available" (HTTP 400)
    google.partial_days = {dt.date(2025, 3, 11)}  # answered with the "not available" warning
    google.give("ann@example.com", STARTER, "2025-03-01T00:00:00Z")
    google.use("ann@example.com", DRIVE, "2025-03-09T12:00:00Z")

    seats = gws.list_seats()

    assert seats == [
        SeatRecord(
            "ann@example.com",
            "starter",
            last_active_on=dt.date(2025, 3, 9),
            activity=GMAIL_OR_DRIVE,
        )
    ]
    days = [call.rsplit("/", 1)[1] for call in google.calls(USAGE)]
    assert days == ["2025-03-12", "2025-03-11", "2025-03-10", "2025-03-10"]  # probes, then read
    assert "the latest ready is for 2025-03-10" in gws.check()


def test_when_no_report_is_ready_within_four_days_activity_is_the_sign_in_and_check_says_so(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.report_lag = 9
    google.give("ann@example.com", STARTER, "2025-03-05T10:00:00Z")
    google.use("ann@example.com", DRIVE, "2025-03-02T12:00:00Z")

    seats = gws.list_seats()

    assert seats == [
        SeatRecord(
            "ann@example.com", "starter", last_active_on=dt.date(2025, 3, 5), activity=SIGN_IN
        )
    ]
    assert len(google.calls(USAGE)) == 4
    assert gws.check().endswith(
        "no usage report is ready for the 4 days up to 2025-03-12, so last activity is the last "
        "sign-in for now"
    )


def test_usage_reports_page_through_every_user(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    for n in range(5):
        google.give(f"user{n}@example.com", STARTER, "2025-02-01T00:00:00Z")
        google.use(f"user{n}@example.com", GMAIL, f"2025-03-0{n + 1}T09:30:00.000Z")

    seats = gws.list_seats()

    assert {seat.last_active_on for seat in seats} == {dt.date(2025, 3, n + 1) for n in range(5)}
    pages = [r for r in google.requests if r.url.path.startswith(USAGE)][1:]
    assert len(pages) == 3  # 5 users and the admin, two a page
    assert [r.url.params.get("pageToken") for r in pages] == [None, "2", "4"]


def test_without_delegation_of_the_usage_scope_sync_keeps_to_sign_ins_and_check_says_why(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.delegated = set(ADMIN_SCOPES)
    google.give("ann@example.com", STARTER, "2025-03-05T10:00:00Z")
    google.use("ann@example.com", GMAIL, "2025-03-11T10:00:00Z")

    seats = gws.list_seats()
    status = gws.check()

    assert seats == [
        SeatRecord(
            "ann@example.com", "starter", last_active_on=dt.date(2025, 3, 5), activity=SIGN_IN
        )
    ]
    assert google.calls(USAGE) == []
    assert status.endswith(
        "and the directory are readable; usage reports are not readable (domain-wide delegation "
        f"does not allow client id {google.account.client_id} the scope {USAGE_SCOPES[0]}), so "
        "last activity is the last sign-in"
    )


def test_an_admin_google_refuses_the_reports_keeps_to_sign_ins_and_check_says_why(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.give("ann@example.com", STARTER, "2025-03-05T10:00:00Z")
    google.use("ann@example.com", GMAIL, "2025-03-11T10:00:00Z")
    google.fail(403, USAGE)

    seats = gws.list_seats()
    google.fail(403, USAGE)

    assert seats == [
        SeatRecord(
            "ann@example.com", "starter", last_active_on=dt.date(2025, 3, 5), activity=SIGN_IN
        )
    ]
    assert gws.check().endswith(
        "usage reports are not readable (Google refused admin@example.com the Reports API "
        "(HTTP 403); give that admin the Reports privilege), so last activity is the last sign-in"
    )


def test_a_reports_outage_is_retryable_not_a_silent_fallback(
    google: FakeGoogle, gws: GoogleWorkspaceConnector
) -> None:
    google.give("ann@example.com", STARTER)
    google.fail(503, USAGE)

    with pytest.raises(Retryable, match="HTTP 503"):
        gws.list_seats()


def test_check_fails_on_a_sku_google_does_not_know(client: httpx.Client, clock: Clock) -> None:
    gws = build(client, clock, skus={"starter": "bogus"})

    with pytest.raises(Rejected, match=r"HTTP 400.*Invalid productId or skuId"):
        gws.check()


def _assertion(request: httpx.Request) -> str:
    return parse_qs(request.content.decode())["assertion"][0]


def _json_part(jwt: str, index: int) -> dict[str, Any]:
    part = jwt.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
