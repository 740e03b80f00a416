"""The Slack seats connector against the one fake of Slack's Web API (`LocalSlack`), served
on a loopback port: members, who is billed and access logs as Slack answers them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.sandbox.local import LocalSlack
from connectors.registry import REGISTRY
from connectors.slack_seats import SlackSeatsConfig as SlackConfig
from connectors.slack_seats import SlackSeatsConnector, from_config
from workflows.catalog import AppConfig
from workflows.ports import (
    Assignee,
    ConnectorError,
    ContractFigures,
    NotSupported,
    Rejected,
    Retryable,
    SeatRecord,
)

ADMIN = "xoxp-admin-user-token"
BOT = "xoxb-bot-token"
DAY = 86_400
NOV_20 = 1_795_132_800  # 2026-11-20T00:00:00Z


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    workspace = LocalSlack(BOT, "T0ACME", team_name="Acme", user_token=ADMIN)
    workspace.members.page_size = 2  # members on a page at most: a few people make pages
    with workspace as running:
        yield running


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client() as client:
        yield client


def connector(
    slack: LocalSlack, client: httpx.Client, token: str = ADMIN, **options: Any
) -> SlackSeatsConnector:
    return SlackSeatsConnector(
        "slack",
        "Slack",
        token,
        client,
        api_url=slack.url,
        token_env="SLACK_ADMIN_TOKEN",
        tier="standard",
        **options,
    )


@pytest.fixture
def seats(slack: LocalSlack, client: httpx.Client) -> SlackSeatsConnector:
    return connector(slack, client)


def called(slack: LocalSlack) -> list[str]:
    return [call.method for call in slack.calls]


def test_seats_are_the_billable_humans_read_across_every_page(
    slack: LocalSlack, seats: SlackSeatsConnector
) -> None:
    for n in range(5):
        slack.add_user(f"U0{n}", f"Person{n}@Acme.example")

    found = seats.list_seats()

    assert [seat.email for seat in found] == [f"person{n}@acme.example" for n in range(5)]
    assert {seat.tier for seat in found} == {"standard"}
    assert called(slack).count("users.list") == 3
    assert called(slack).count("team.billableInfo") == 3


def test_bots_slackbot_deactivated_and_not_billed_members_hold_no_seat(
    slack: LocalSlack, seats: SlackSeatsConnector
) -> None:
    slack.add_user("U01", "ann@acme.example")
    # Billed or not, bots, Slackbot and deactivated members are no seat.
    slack.add_user("B01", None, is_bot=True, billable=True)
    slack.add_user("USLACKBOT", None, billable=True)
    slack.add_user("U02", "gone@acme.example", deleted=True, billable=True)
    slack.add_user("U03", "guest@acme.example", billable=False)

    assert [seat.email for seat in seats.list_seats()] == ["ann@acme.example"]


def test_last_activity_is_the_newest_login_day_across_access_log_pages(
    slack: LocalSlack, client: httpx.Client
) -> None:
    slack.add_user("U01", "ann@acme.example")
    slack.log_access("U01", NOV_20, NOV_20 + 2 * DAY, NOV_20 - DAY)
    slack.add_user("U02", "bob@acme.example")

    found = connector(slack, client, page_size=2).list_seats()

    assert found == [
        SeatRecord(
            "ann@acme.example",
            "standard",
            last_active_on=dt.date(2026, 11, 22),
            activity="last Slack access",
        ),
        SeatRecord("bob@acme.example", "standard"),
    ]


def test_access_logs_are_read_page_by_page_until_the_last(
    slack: LocalSlack, client: httpx.Client
) -> None:
    slack.add_user("U01", "ann@acme.example")
    slack.log_access("U01", NOV_20, NOV_20, NOV_20, NOV_20 + DAY, NOV_20)

    found = connector(slack, client, access_log_page_size=2).list_seats()

    assert found[0].last_active_on == dt.date(2026, 11, 21)
    assert [p["page"] for p in slack.calls_to("team.accessLogs")] == ["1", "2", "3"]


def test_without_access_logs_seats_have_no_activity_and_check_says_why(
    slack: LocalSlack, seats: SlackSeatsConnector
) -> None:
    slack.add_user("U01", "ann@acme.example")
    slack.log_access("U01", NOV_20)
    for _ in ("list_seats", "check"):  # a free plan: Slack keeps no access logs
        slack.fail_next("team.accessLogs", error="paid_only")

    assert seats.list_seats() == [SeatRecord("ann@acme.example", "standard")]
    assert "no last activity: team.accessLogs said paid_only" in seats.check()


def test_a_429_with_retry_after_is_retryable_after_that_many_seconds(
    slack: LocalSlack, seats: SlackSeatsConnector
) -> None:
    slack.fail_next("team.billableInfo", status=429, retry_after=7)

    with pytest.raises(Retryable) as error:
        seats.list_seats()

    assert error.value.retry_after == 7


def test_ratelimited_inside_an_ok_false_body_is_retryable_too(
    slack: LocalSlack, seats: SlackSeatsConnector
) -> None:
    slack.fail_next("team.billableInfo", error="ratelimited")

    with pytest.raises(Retryable, match="ratelimited"):
        seats.contract()


def test_a_5xx_is_retryable_and_the_next_attempt_succeeds(
    slack: LocalSlack, seats: SlackSeatsConnector
) -> None:
    slack.add_user("U01", "ann@acme.example")
    slack.fail_next("team.billableInfo", status=503)

    with pytest.raises(Retryable, match="HTTP 503"):
        seats.list_seats()
    assert [seat.email for seat in seats.list_seats()] == ["ann@acme.example"]


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked", "not_authed"])
def test_a_bad_token_is_rejected_naming_the_app_and_the_variable_but_not_the_token(
    code: str, slack: LocalSlack, client: httpx.Client
) -> None:
    token = "xoxp-stale-token"
    if code != "invalid_auth":  # the fake answers an unknown token invalid_auth itself
        slack.user_token = token
        slack.fail_next("auth.test", error=code)

    with pytest.raises(Rejected) as error:
        connector(slack, client, token=token).check()

    message = str(error.value)
    assert message.startswith("Slack: Slack refused auth.test: the token in SLACK_ADMIN_TOKEN")
    assert code in message
    assert token not in message


def test_the_bot_token_is_told_billable_info_needs_an_admin_user_token(
    slack: LocalSlack, client: httpx.Client
) -> None:
    bot = SlackSeatsConnector("slack", "Slack", BOT, client, api_url=slack.url)

    with pytest.raises(Rejected) as error:
        bot.list_seats()

    message = str(error.value)
    assert "the token in SLACK_BOT_TOKEN needs admin" in message
    assert "connector.token_env" in message


def test_billable_members_without_an_email_mean_the_email_scope_is_missing(
    slack: LocalSlack, seats: SlackSeatsConnector
) -> None:
    slack.add_user("U01", None)

    with pytest.raises(Rejected, match=r"needs the users:read\.email scope"):
        seats.list_seats()


def test_calls_are_posts_with_a_bearer_token_and_no_token_in_the_arguments(
    slack: LocalSlack, seats: SlackSeatsConnector
) -> None:
    seats.list_seats()

    assert {(call.verb, call.token_in) for call in slack.calls} == {("POST", "header")}
    assert (slack.calls[0].method, slack.calls[0].params) == ("team.billableInfo", {"limit": "200"})


@pytest.mark.parametrize("write", ["assign", "revoke", "change_tier"])
def test_writes_are_not_supported_and_point_at_the_scim_connector(
    write: str, seats: SlackSeatsConnector
) -> None:
    ann = Assignee("ann@acme.example")
    args = (ann,) if write == "revoke" else (ann, "standard")

    with pytest.raises(NotSupported, match="use the scim connector against Slack's SCIM API"):
        getattr(seats, write)(*args)


def test_contract_figures_count_the_billable_members(
    slack: LocalSlack, seats: SlackSeatsConnector
) -> None:
    for n in range(3):
        slack.add_user(f"U0{n}", f"p{n}@acme.example")
    slack.add_user("U09", "guest@acme.example", billable=False)

    assert seats.contract() == ContractFigures(seats=None, assigned=3)


def test_check_names_the_workspace_a_page_of_billable_members_and_the_activity_source(
    slack: LocalSlack, seats: SlackSeatsConnector
) -> None:
    for n in range(3):
        slack.add_user(f"U0{n}", f"p{n}@acme.example")

    assert seats.check() == (
        "Slack workspace Acme (T0ACME): 2+ billable members; last activity from team.accessLogs"
    )


def app(connector: dict[str, Any]) -> tuple[AppConfig, SlackConfig]:
    config = REGISTRY.app_model.model_validate(
        {
            "key": "slack",
            "name": "Slack",
            "tiers": [{"key": "pro", "name": "Pro"}, {"key": "plus", "name": "Business+"}],
            "connector": connector,
        }
    )
    assert isinstance(config.connector, SlackConfig)
    return config, config.connector


def test_from_config_prefers_the_named_variable_then_the_bot_token_it_is_given(
    slack: LocalSlack, client: httpx.Client
) -> None:
    slack.add_user("U01", "ann@acme.example")
    api = slack.url
    named, named_config = app({"type": "slack", "token_env": "ADMIN_TOKEN", "api_url": api})
    plain, plain_config = app({"type": "slack"})

    mine = from_config(named, named_config, client=client, env={"ADMIN_TOKEN": ADMIN})
    bots = from_config(
        plain, plain_config, client=client, env={}, slack_token=BOT, slack_api_url=api
    )

    assert mine.list_seats() == [SeatRecord("ann@acme.example", "pro")]
    with pytest.raises(Rejected, match="SLACK_BOT_TOKEN needs admin"):
        bots.list_seats()
    with pytest.raises(ConnectorError, match="ADMIN_TOKEN is not set"):
        from_config(named, named_config, client=client, env={})
