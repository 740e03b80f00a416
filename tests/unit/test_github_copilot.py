from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from connectors.github_copilot import GitHubCopilotConfig, GitHubCopilotConnector, from_config
from connectors.github_identity import graphql_url
from connectors.registry import REGISTRY
from tests.fakes.clock import FakeClock
from tests.fakes.github import FakeGitHub
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

TOKEN = "ghp_fake_token_0123456789"
CYCLE_ENDS = dt.date(2026, 11, 30)
OCTO = Assignee("octocat@acme.example", "Octo Cat")
SEATS = "/orgs/{org}/copilot/billing/seats"
SELECTED = "/orgs/{org}/copilot/billing/selected_users"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def github(clock: FakeClock) -> FakeGitHub:
    return FakeGitHub("acme", TOKEN, now=clock.now, cycle_ends=CYCLE_ENDS)


@pytest.fixture
def client(github: FakeGitHub) -> Iterator[httpx.Client]:
    with httpx.Client(transport=github.transport) as client:
        yield client


def connector(
    client: httpx.Client, clock: FakeClock, token: str = TOKEN, page_size: int = 100
) -> GitHubCopilotConnector:
    return GitHubCopilotConnector(
        "copilot",
        "Copilot",
        "acme",
        token,
        client,
        token_env="GITHUB_COPILOT_TOKEN",
        tiers=["business"],
        page_size=page_size,
        now=clock.now,
    )


@pytest.fixture
def copilot(client: httpx.Client, clock: FakeClock) -> GitHubCopilotConnector:
    return connector(client, clock)


def octocat(github: FakeGitHub, *, seat: bool = False) -> None:
    """octocat, a member whose login the org's SAML identity octocat@acme.example is linked to."""
    github.add_member("octocat", seat=seat)
    github.link_saml("octocat", "octocat@acme.example")


def writes(github: FakeGitHub) -> list[object]:
    """The bodies of every seat assignment or cancellation GitHub received."""
    return [
        e.body for e in github.exchanges if e.method in ("POST", "DELETE") and "copilot" in e.path
    ]


def graphql(github: FakeGitHub) -> list[object]:
    """The GraphQL requests GitHub received, oldest first."""
    return [e.body for e in github.requests_to("POST", "/graphql")]


def test_seats_are_read_across_pages_until_total_seats_are_read(
    github: FakeGitHub, client: httpx.Client, clock: FakeClock
) -> None:
    for n in range(5):
        github.add_member(f"dev-{n}", seat=True)
    github.add_member("no-seat")

    seats = connector(client, clock, page_size=2).list_seats()

    assert sorted(seat.email for seat in seats) == [f"dev-{n}" for n in range(5)]
    assert {seat.activity for seat in seats} == {None}  # no Copilot activity yet
    pages = github.requests_to("GET", "/orgs/{org}/copilot/billing/seats")
    assert [(e.params["per_page"], e.params["page"]) for e in pages] == [
        ("2", "1"),
        ("2", "2"),
        ("2", "3"),
    ]


def test_a_seat_without_a_linked_email_carries_its_login_plan_start_and_last_activity(
    github: FakeGitHub, copilot: GitHubCopilotConnector, clock: FakeClock
) -> None:
    github.add_member("OctoCat", email="octo@github.example", seat=True, last_active=clock.now())

    assert copilot.list_seats() == [
        SeatRecord(
            "octocat",
            "business",
            dt.date(2026, 11, 23),
            dt.date(2026, 11, 23),
            None,
            activity="last Copilot activity",
        )
    ]


def test_paging_stops_on_an_empty_page_even_if_total_seats_promised_more(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.answer_next(200, {"total_seats": 3, "seats": []})

    assert copilot.list_seats() == []
    assert len(github.exchanges) == 1


def test_every_call_sends_the_token_and_the_documented_api_version(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    copilot.list_seats()

    headers = github.exchanges[0].headers
    assert headers["authorization"] == f"Bearer {TOKEN}"
    assert headers["accept"] == "application/vnd.github+json"
    assert headers["x-github-api-version"] == "2022-11-28"


def test_429_with_retry_after_is_retryable_after_that_many_seconds(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.answer_next(429, {"message": "slow down"}, {"Retry-After": "30"})

    with pytest.raises(Retryable) as error:
        copilot.list_seats()

    assert error.value.retry_after == 30


@pytest.mark.parametrize("status", [403, 429])
def test_a_spent_rate_limit_waits_until_x_ratelimit_reset(
    status: int, github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.rate_limit_next(status, reset_in=120)

    with pytest.raises(Retryable) as error:
        copilot.list_seats()

    assert error.value.retry_after == 120
    assert "rate limit" in str(error.value)


def test_a_secondary_rate_limit_403_with_retry_after_is_retryable(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.answer_next(
        403, {"message": "You have exceeded a secondary rate limit"}, {"Retry-After": "60"}
    )

    with pytest.raises(Retryable) as error:
        copilot.assign(Assignee("octocat"), "business")

    assert error.value.retry_after == 60


def test_a_5xx_is_retryable_and_the_next_attempt_succeeds(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.add_member("octocat", seat=True)
    github.answer_next(502, {"message": "Server Error"})

    with pytest.raises(Retryable, match="HTTP 502"):
        copilot.list_seats()
    assert [seat.email for seat in copilot.list_seats()] == ["octocat"]


def test_a_transport_failure_is_retryable(clock: FakeClock) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with (
        httpx.Client(transport=httpx.MockTransport(refuse)) as client,
        pytest.raises(Retryable, match="could not reach GitHub"),
    ):
        connector(client, clock).check()


def test_a_wrong_token_is_rejected_naming_the_app_and_the_variable_but_not_the_token(
    client: httpx.Client, clock: FakeClock
) -> None:
    with pytest.raises(Rejected) as error:
        connector(client, clock, token="ghp_expired_token").list_seats()

    message = str(error.value)
    assert message.startswith("Copilot: GitHub refused the token in GITHUB_COPILOT_TOKEN (HTTP 401")
    assert "ghp_expired_token" not in message
    assert not isinstance(error.value, Retryable)


def test_a_token_without_the_billing_scope_is_told_which_scope_it_needs(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.token_can_manage_billing = False

    with pytest.raises(Rejected) as error:
        copilot.check()

    assert "manage_billing:copilot" in str(error.value)
    assert "GITHUB_COPILOT_TOKEN" in str(error.value)


def test_seat_management_for_all_members_refuses_writes_with_githubs_message(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    octocat(github)
    github.seat_management_setting = "assign_all"

    with pytest.raises(Rejected, match="Enable access for selected members"):
        copilot.assign(OCTO, "business")
    assert "cannot assign or revoke" in copilot.check()


def test_assigning_a_login_github_does_not_know_is_an_unknown_user(
    copilot: GitHubCopilotConnector,
) -> None:
    with pytest.raises(UnknownUser, match="no user ghost in the organisation acme"):
        copilot.assign(Assignee("ghost"), "business")


def test_assigning_twice_gives_one_seat_and_no_error(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    octocat(github)

    copilot.assign(OCTO, "business")
    copilot.assign(OCTO, "business")

    answers = github.requests_to("POST", "/orgs/{org}/copilot/billing/selected_users")
    assert [e.answer for e in answers] == [{"seats_created": 1}, {"seats_created": 0}]
    assert answers[0].body == {"selected_usernames": ["octocat"]}
    assert [seat.email for seat in copilot.list_seats()] == ["octocat@acme.example"]


def test_a_revoked_seat_stays_until_the_end_of_the_billing_cycle(
    github: FakeGitHub, copilot: GitHubCopilotConnector, clock: FakeClock
) -> None:
    octocat(github, seat=True)

    copilot.revoke(OCTO)
    copilot.revoke(OCTO)

    assert [seat.ends_on for seat in copilot.list_seats()] == [CYCLE_ENDS]
    answers = github.requests_to("DELETE", "/orgs/{org}/copilot/billing/selected_users")
    assert [e.answer for e in answers] == [{"seats_cancelled": 1}, {"seats_cancelled": 0}]
    clock.advance(days=8)
    assert copilot.list_seats() == []


def test_revoking_someone_without_a_seat_succeeds_without_change(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    octocat(github)

    copilot.revoke(OCTO)

    assert copilot.list_seats() == []


def test_assigning_again_before_the_cycle_ends_keeps_the_seat(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    octocat(github, seat=True)
    copilot.revoke(OCTO)

    copilot.assign(OCTO, "business")

    assert [seat.ends_on for seat in copilot.list_seats()] == [None]


def test_changing_tier_is_not_supported_because_the_plan_is_organisation_wide(
    copilot: GitHubCopilotConnector,
) -> None:
    with pytest.raises(NotSupported, match="whole organisation acme"):
        copilot.change_tier(OCTO, "enterprise")


def test_contract_figures_are_the_seats_billed_this_cycle(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.add_member("octocat", seat=True)
    github.add_member("hubot", seat=True)

    assert copilot.contract() == ContractFigures(seats=None, assigned=2)


def test_check_names_the_plan_the_org_the_seat_count_and_how_seats_match_people(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    octocat(github, seat=True)

    assert copilot.check() == (
        "GitHub Copilot (business) for org acme: 1 seats; 1 of 1 seats matched to an email "
        "through the SAML single sign-on identities of acme"
    )


def test_check_warns_about_seats_keyed_by_login_only(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    octocat(github, seat=True)
    github.add_member("hubot", seat=True)
    github.add_member("monalisa", seat=True)

    text = copilot.check()

    assert "1 of 3 seats matched to an email through the SAML single sign-on identities" in text
    assert "warning: 2 of 3 seats are keyed by GitHub login only" in text
    assert "set up SAML single sign-on for acme" in text


def test_from_config_reads_the_token_from_the_named_variable(github: FakeGitHub) -> None:
    app = REGISTRY.app_model.model_validate(
        {
            "key": "copilot",
            "name": "Copilot",
            "tiers": [{"key": "business", "name": "Business"}],
            "connector": {"type": "github_copilot", "org": "acme", "token_env": "GH_TOKEN"},
        }
    )
    config = app.connector
    assert isinstance(config, GitHubCopilotConfig)
    with httpx.Client(transport=github.transport) as client:
        built = from_config(app, config, client=client, env={"GH_TOKEN": TOKEN})
        assert built.check().startswith("GitHub Copilot (business) for org acme")
        with pytest.raises(ConnectorError, match="GH_TOKEN is not set"):
            from_config(app, config, client=client, env={})


# Logins and emails: SAML identities first, else members' verified-domain emails, never a guess.


def test_seats_come_back_with_their_saml_email_and_unmatched_ones_keep_their_login(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.add_member("mona-gh", seat=True)
    github.link_saml("mona-gh", "Mona.Lisa@Acme.example")
    github.add_member("hubot", seat=True)
    github.link_saml(None, "hubot@acme.example")  # nobody has signed in with it yet

    assert sorted(seat.email for seat in copilot.list_seats()) == [
        "hubot",
        "mona.lisa@acme.example",
    ]


def test_a_name_id_that_is_not_an_email_gives_way_to_the_identitys_primary_email(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.add_member("mona-gh", seat=True)
    github.link_saml("mona-gh", "S-1-5-21-1004", "mona@acme.example", "m.lisa@acme.example")

    assert [seat.email for seat in copilot.list_seats()] == ["mona@acme.example"]
    copilot.revoke(Assignee("m.lisa@acme.example"))
    assert writes(github) == [{"selected_usernames": ["mona-gh"]}]


def test_assigning_and_revoking_by_email_use_the_login_linked_to_it(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.add_member("mona-gh")
    github.link_saml("mona-gh", "mona.lisa@acme.example")

    copilot.assign(Assignee("Mona.Lisa@acme.example", "Mona Lisa"), "business")
    copilot.revoke(Assignee("mona.lisa@acme.example", "Mona Lisa"))

    assert writes(github) == [{"selected_usernames": ["mona-gh"]}] * 2
    assert github.seat_of("mona-gh") is not None


def test_an_email_no_login_is_linked_to_is_an_unknown_user_and_nothing_is_written(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.add_member("ann")  # a member whose login is the email's local part: no guessing
    github.link_saml("octocat", "octocat@acme.example")

    with pytest.raises(UnknownUser) as error:
        copilot.assign(Assignee("ann@acme.example", "ann"), "business")

    message = str(error.value)
    assert "no GitHub login of org acme is linked to ann@acme.example" in message
    assert "Set up SAML single sign-on for acme" in message
    assert "assign the seat by hand" in message
    assert writes(github) == []


def test_a_display_name_that_is_another_members_login_is_never_used(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    octocat(github, seat=True)

    with pytest.raises(UnknownUser):
        copilot.revoke(Assignee("ann@acme.example", "octocat"))

    assert writes(github) == []
    assert github.seat_of("octocat") is not None


def test_a_login_the_connector_listed_is_used_without_reading_identities(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.add_member("hubot", seat=True)

    copilot.revoke(Assignee("hubot"))

    assert writes(github) == [{"selected_usernames": ["hubot"]}]
    assert graphql(github) == []


def test_something_that_is_neither_an_email_nor_a_login_is_an_unknown_user(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    with pytest.raises(UnknownUser, match="neither an email nor a login"):
        copilot.revoke(Assignee("Ann Lee"))

    assert github.exchanges == []


def test_an_email_two_logins_claim_is_matched_to_neither(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    for login in ("ann", "ann-old"):
        github.add_member(login, seat=True)
        github.link_saml(login, "ann@acme.example")

    assert sorted(seat.email for seat in copilot.list_seats()) == ["ann", "ann-old"]
    with pytest.raises(UnknownUser):
        copilot.revoke(Assignee("ann@acme.example"))


def test_external_identities_are_read_page_by_page_with_the_cursor(
    github: FakeGitHub, client: httpx.Client, clock: FakeClock
) -> None:
    for n in range(5):
        github.add_member(f"dev-{n}", seat=True)
        github.link_saml(f"dev-{n}", f"dev{n}@acme.example")

    seats = connector(client, clock, page_size=2).list_seats()

    assert sorted(seat.email for seat in seats) == [f"dev{n}@acme.example" for n in range(5)]
    pages = github.requests_to("POST", "/graphql")
    assert [e.body["variables"]["first"] for e in pages] == [2, 2, 2]
    identities = [e.answer["data"]["organization"]["samlIdentityProvider"] for e in pages]
    ends = [page["externalIdentities"]["pageInfo"]["endCursor"] for page in identities]
    assert [e.body["variables"]["cursor"] for e in pages] == [None, ends[0], ends[1]]


def test_identities_are_read_once_per_call_and_afresh_for_the_next(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    octocat(github, seat=True)

    copilot.list_seats()
    copilot.revoke(OCTO)

    assert len(graphql(github)) == 2


def test_a_graphql_call_sends_the_token_the_org_and_no_rest_version_header(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    octocat(github, seat=True)

    copilot.list_seats()

    call = github.requests_to("POST", "/graphql")[0]
    assert call.headers["authorization"] == f"Bearer {TOKEN}"
    assert "x-github-api-version" not in call.headers
    assert call.body["variables"] == {"org": "acme", "first": 100, "cursor": None}
    assert "samlIdentityProvider" in call.body["query"]


def test_without_saml_members_verified_domain_emails_match_seats_and_people(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.add_member("mona-gh", seat=True, verified_emails=["mona@acme.example"])
    github.add_member("hubot", seat=True, email="hubot@example.com")  # public only: not used

    assert sorted(seat.email for seat in copilot.list_seats()) == ["hubot", "mona@acme.example"]
    copilot.revoke(Assignee("mona@acme.example"))
    assert writes(github) == [{"selected_usernames": ["mona-gh"]}]
    assert "through members' emails on the verified domains of acme" in copilot.check()
    with pytest.raises(UnknownUser):
        copilot.revoke(Assignee("hubot@example.com"))


def test_refused_verified_domain_emails_leave_seats_keyed_by_login_and_check_says_why(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.add_member("mona-gh", seat=True, verified_emails=["mona@acme.example"])
    github.verified_emails_visible = False

    assert [seat.email for seat in copilot.list_seats()] == ["mona-gh"]
    text = copilot.check()
    assert "0 of 1 seats matched to an email" in text
    assert "GitHub refused members' verified-domain emails" in text


def test_graphql_errors_with_http_200_are_a_clear_rejection_before_any_write(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.token_can_read_org = False

    with pytest.raises(Rejected) as error:
        copilot.assign(OCTO, "business")

    message = str(error.value)
    assert not isinstance(error.value, (Retryable, UnknownUser))
    assert message.startswith("Copilot: GitHub's GraphQL API refused to list who is who in acme")
    assert "The 'samlIdentityProvider' field requires one of the following scopes" in message
    assert "with the read:org scope" in message and "GITHUB_COPILOT_TOKEN" in message
    assert writes(github) == []


def test_a_graphql_error_for_an_unknown_org_says_to_check_the_org(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.org = "acme-renamed"

    with pytest.raises(Rejected, match=r"Could not resolve .* check the organisation acme$"):
        copilot.identities()


def test_a_graphql_rate_limit_is_retryable_until_the_reset(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    reset = str(int(github.now().timestamp()) + 90)
    error = {"type": "RATE_LIMIT", "message": "API rate limit already exceeded for user ID 1."}
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset}
    github.answer_next(200, {"errors": [error]}, headers)

    with pytest.raises(Retryable) as raised:
        copilot.revoke(OCTO)

    assert raised.value.retry_after == 90
    assert writes(github) == []


def test_the_graphql_endpoint_of_enterprise_server_is_api_graphql() -> None:
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example/api/v3/") == "https://ghe.example/api/graphql"
    assert graphql_url("https://api.acme.ghe.com") == "https://api.acme.ghe.com/graphql"
