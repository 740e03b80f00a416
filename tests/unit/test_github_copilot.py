from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import httpx
import pytest

from connectors.github_copilot import GitHubCopilotConnector, from_config
from tests.fakes.clock import FakeClock
from tests.fakes.github import FakeGitHub
from workflows.catalog import AppConfig
from workflows.catalog import GitHubCopilotConnector as GitHubCopilotConfig
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
OCTO = Assignee("octocat@acme.example", "octocat")


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


def test_seats_are_read_across_pages_until_total_seats_are_read(
    github: FakeGitHub, client: httpx.Client, clock: FakeClock
) -> None:
    for n in range(5):
        github.add_member(f"dev-{n}", seat=True)
    github.add_member("no-seat")

    seats = connector(client, clock, page_size=2).list_seats()

    assert sorted(seat.email for seat in seats) == [f"dev-{n}" for n in range(5)]
    pages = github.requests_to("GET", "/orgs/{org}/copilot/billing/seats")
    assert [(e.params["per_page"], e.params["page"]) for e in pages] == [
        ("2", "1"),
        ("2", "2"),
        ("2", "3"),
    ]


def test_a_seat_carries_its_login_plan_start_and_last_activity(
    github: FakeGitHub, copilot: GitHubCopilotConnector, clock: FakeClock
) -> None:
    github.add_member("OctoCat", email="octo@github.example", seat=True, last_active=clock.now())

    assert copilot.list_seats() == [
        SeatRecord("octocat", "business", dt.date(2026, 11, 23), dt.date(2026, 11, 23), None)
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
        copilot.assign(OCTO, "business")

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
    github.add_member("octocat")
    github.seat_management_setting = "assign_all"

    with pytest.raises(Rejected, match="Enable access for selected members"):
        copilot.assign(OCTO, "business")
    assert "cannot assign or revoke" in copilot.check()


def test_assigning_someone_github_does_not_know_is_an_unknown_user(
    copilot: GitHubCopilotConnector,
) -> None:
    with pytest.raises(UnknownUser, match="no user ghost in the organisation acme"):
        copilot.assign(Assignee("ghost@acme.example"), "business")


def test_assigning_twice_gives_one_seat_and_no_error(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.add_member("octocat")

    copilot.assign(OCTO, "business")
    copilot.assign(OCTO, "business")

    answers = github.requests_to("POST", "/orgs/{org}/copilot/billing/selected_users")
    assert [e.answer for e in answers] == [{"seats_created": 1}, {"seats_created": 0}]
    assert answers[0].body == {"selected_usernames": ["octocat"]}
    assert [seat.email for seat in copilot.list_seats()] == ["octocat"]


def test_a_revoked_seat_stays_until_the_end_of_the_billing_cycle(
    github: FakeGitHub, copilot: GitHubCopilotConnector, clock: FakeClock
) -> None:
    github.add_member("octocat", seat=True)

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
    github.add_member("octocat")

    copilot.revoke(OCTO)

    assert copilot.list_seats() == []


def test_assigning_again_before_the_cycle_ends_keeps_the_seat(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.add_member("octocat", seat=True)
    copilot.revoke(OCTO)

    copilot.assign(OCTO, "business")

    assert [seat.ends_on for seat in copilot.list_seats()] == [None]


def test_the_login_is_the_listed_key_else_a_login_like_name_else_the_email_local_part(
    copilot: GitHubCopilotConnector,
) -> None:
    assert copilot.login_for(Assignee("octocat")) == "octocat"
    assert copilot.login_for(Assignee("ann@acme.example", "ann-gh")) == "ann-gh"
    assert copilot.login_for(Assignee("ann@acme.example", "Ann Lee")) == "ann"
    assert copilot.login_for(Assignee("jo_acme@acme.example", "Jo")) == "Jo"


def test_someone_without_a_login_like_name_or_email_is_unknown_without_calling_github(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    with pytest.raises(UnknownUser, match=r"cannot tell the GitHub login of ann\.lee@acme"):
        copilot.revoke(Assignee("ann.lee@acme.example", "Ann Lee"))

    assert github.exchanges == []


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


def test_check_names_the_plan_the_org_and_the_seat_count(
    github: FakeGitHub, copilot: GitHubCopilotConnector
) -> None:
    github.add_member("octocat", seat=True)

    assert copilot.check() == "GitHub Copilot (business) for org acme: 1 seats"


def test_from_config_reads_the_token_from_the_named_variable(github: FakeGitHub) -> None:
    app = AppConfig.model_validate(
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
