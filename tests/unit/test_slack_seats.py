from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

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
API = "https://slack.test/api/"
DAY = 86_400
NOV_20 = 1_795_132_800  # 2026-11-20T00:00:00Z


class FakeWorkspace:
    """users.list, team.billableInfo, team.accessLogs and auth.test as Slack answers them."""

    def __init__(self, page_size: int = 2) -> None:
        self.page_size = page_size
        self.members: list[dict[str, Any]] = []
        self.billable: dict[str, bool] = {}
        self.logins: list[dict[str, Any]] = []
        self.access_logs_error: str | None = None
        self.calls: list[tuple[str, dict[str, str]]] = []
        self.scripted: deque[httpx.Response] = deque()

    def add(
        self,
        user_id: str,
        email: str | None,
        *,
        billable: bool = True,
        bot: bool = False,
        deleted: bool = False,
        logins: tuple[int, ...] = (),
    ) -> None:
        profile = {"email": email} if email else {}
        self.members.append({"id": user_id, "is_bot": bot, "deleted": deleted, "profile": profile})
        self.billable[user_id] = billable
        self.logins += [{"user_id": user_id, "date_last": when} for when in logins]

    def handle(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "POST"
        method = request.url.path.rsplit("/", 1)[-1]
        params = dict(request.url.params)
        self.calls.append((method, params))
        if self.scripted:
            return self.scripted.popleft()
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in (ADMIN, BOT):
            return _json({"ok": False, "error": "invalid_auth"})
        if method == "auth.test":
            return _json({"ok": True, "team": "Acme", "team_id": "T0ACME", "user": "it"})
        if method == "users.list":
            return _json(self._page(self.members, params, "members"))
        if method == "team.billableInfo" and token == BOT:
            return _json({"ok": False, "error": "missing_scope", "needed": "admin"})
        if method == "team.billableInfo":
            infos = [{uid: {"billing_active": on}} for uid, on in self.billable.items()]
            page = self._page(infos, params, "billable_info")
            page["billable_info"] = {
                k: v for info in page["billable_info"] for k, v in info.items()
            }
            return _json(page)
        if method == "team.accessLogs":
            return self._access_logs(token, params)
        return _json({"ok": False, "error": "unknown_method"})

    def _page(self, items: list[Any], params: dict[str, str], key: str) -> dict[str, Any]:
        start = int(params.get("cursor", "0") or 0)
        size = min(int(params.get("limit", self.page_size)), self.page_size)
        end = start + size
        more = str(end) if end < len(items) else ""
        return {"ok": True, key: items[start:end], "response_metadata": {"next_cursor": more}}

    def _access_logs(self, token: str, params: dict[str, str]) -> httpx.Response:
        error = "not_allowed_token_type" if token == BOT else self.access_logs_error
        if error:
            return _json({"ok": False, "error": error})
        count, page = int(params["count"]), int(params["page"])
        pages = max(1, -(-len(self.logins) // count))
        chunk = self.logins[(page - 1) * count : page * count]
        paging = {"count": count, "total": len(self.logins), "page": page, "pages": pages}
        return _json({"ok": True, "logins": chunk, "paging": paging})


def _json(body: dict[str, Any], status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


@pytest.fixture
def slack() -> FakeWorkspace:
    return FakeWorkspace()


@pytest.fixture
def client(slack: FakeWorkspace) -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.MockTransport(slack.handle)) as client:
        yield client


def connector(client: httpx.Client, token: str = ADMIN, **options: Any) -> SlackSeatsConnector:
    return SlackSeatsConnector(
        "slack",
        "Slack",
        token,
        client,
        api_url=API,
        token_env="SLACK_ADMIN_TOKEN",
        tier="standard",
        **options,
    )


@pytest.fixture
def seats(client: httpx.Client) -> SlackSeatsConnector:
    return connector(client)


def test_seats_are_the_billable_humans_read_across_every_page(
    slack: FakeWorkspace, seats: SlackSeatsConnector
) -> None:
    for n in range(5):
        slack.add(f"U0{n}", f"Person{n}@Acme.example")

    found = seats.list_seats()

    assert [seat.email for seat in found] == [f"person{n}@acme.example" for n in range(5)]
    assert {seat.tier for seat in found} == {"standard"}
    assert [m for m, _ in slack.calls].count("users.list") == 3
    assert [m for m, _ in slack.calls].count("team.billableInfo") == 3


def test_bots_slackbot_deactivated_and_not_billed_members_hold_no_seat(
    slack: FakeWorkspace, seats: SlackSeatsConnector
) -> None:
    slack.add("U01", "ann@acme.example")
    slack.add("B01", None, bot=True)
    slack.add("USLACKBOT", None)
    slack.add("U02", "gone@acme.example", deleted=True)
    slack.add("U03", "guest@acme.example", billable=False)

    assert [seat.email for seat in seats.list_seats()] == ["ann@acme.example"]


def test_last_activity_is_the_newest_login_day_across_access_log_pages(
    slack: FakeWorkspace, client: httpx.Client
) -> None:
    slack.add("U01", "ann@acme.example", logins=(NOV_20, NOV_20 + 2 * DAY, NOV_20 - DAY))
    slack.add("U02", "bob@acme.example")

    found = connector(client, page_size=2).list_seats()

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
    slack: FakeWorkspace, client: httpx.Client
) -> None:
    slack.add("U01", "ann@acme.example", logins=(NOV_20, NOV_20, NOV_20, NOV_20 + DAY, NOV_20))

    assert connector(client, access_log_page_size=2).list_seats()[0].last_active_on == dt.date(
        2026, 11, 21
    )
    pages = [p["page"] for m, p in slack.calls if m == "team.accessLogs"]
    assert pages == ["1", "2", "3"]


def test_without_access_logs_seats_have_no_activity_and_check_says_why(
    slack: FakeWorkspace, seats: SlackSeatsConnector
) -> None:
    slack.add("U01", "ann@acme.example", logins=(NOV_20,))
    slack.access_logs_error = "paid_only"

    assert seats.list_seats() == [SeatRecord("ann@acme.example", "standard")]
    assert "no last activity: team.accessLogs said paid_only" in seats.check()


def test_a_429_with_retry_after_is_retryable_after_that_many_seconds(
    slack: FakeWorkspace, seats: SlackSeatsConnector
) -> None:
    slack.scripted.append(_json({"ok": False, "error": "ratelimited"}, 429, **{"Retry-After": "7"}))

    with pytest.raises(Retryable) as error:
        seats.list_seats()

    assert error.value.retry_after == 7


def test_ratelimited_inside_an_ok_false_body_is_retryable_too(
    slack: FakeWorkspace, seats: SlackSeatsConnector
) -> None:
    slack.scripted.append(_json({"ok": False, "error": "ratelimited"}))

    with pytest.raises(Retryable, match="ratelimited"):
        seats.contract()


def test_a_5xx_is_retryable_and_the_next_attempt_succeeds(
    slack: FakeWorkspace, seats: SlackSeatsConnector
) -> None:
    slack.add("U01", "ann@acme.example")
    slack.scripted.append(httpx.Response(503, text="upstream unavailable"))

    with pytest.raises(Retryable, match="HTTP 503"):
        seats.list_seats()
    assert [seat.email for seat in seats.list_seats()] == ["ann@acme.example"]


@pytest.mark.parametrize("code", ["invalid_auth", "token_revoked", "not_authed"])
def test_a_bad_token_is_rejected_naming_the_app_and_the_variable_but_not_the_token(
    code: str, slack: FakeWorkspace, client: httpx.Client
) -> None:
    slack.scripted.append(_json({"ok": False, "error": code}))

    with pytest.raises(Rejected) as error:
        connector(client, token="xoxp-stale-token").check()

    message = str(error.value)
    assert message.startswith("Slack: Slack refused auth.test: the token in SLACK_ADMIN_TOKEN")
    assert code in message
    assert "xoxp-stale-token" not in message


def test_the_bot_token_is_told_billable_info_needs_an_admin_user_token(
    slack: FakeWorkspace, client: httpx.Client
) -> None:
    bot = SlackSeatsConnector("slack", "Slack", BOT, client, api_url=API)

    with pytest.raises(Rejected) as error:
        bot.list_seats()

    message = str(error.value)
    assert "the token in SLACK_BOT_TOKEN needs admin" in message
    assert "connector.token_env" in message


def test_billable_members_without_an_email_mean_the_email_scope_is_missing(
    slack: FakeWorkspace, seats: SlackSeatsConnector
) -> None:
    slack.add("U01", None)

    with pytest.raises(Rejected, match=r"needs the users:read\.email scope"):
        seats.list_seats()


def test_calls_are_posts_with_a_bearer_token_and_no_token_in_the_arguments(
    slack: FakeWorkspace, seats: SlackSeatsConnector
) -> None:
    seats.list_seats()

    assert all("token" not in params for _, params in slack.calls)
    assert slack.calls[0] == ("team.billableInfo", {"limit": "200"})


@pytest.mark.parametrize("write", ["assign", "revoke", "change_tier"])
def test_writes_are_not_supported_and_point_at_the_scim_connector(
    write: str, seats: SlackSeatsConnector
) -> None:
    ann = Assignee("ann@acme.example")
    args = (ann,) if write == "revoke" else (ann, "standard")

    with pytest.raises(NotSupported, match="use the scim connector against Slack's SCIM API"):
        getattr(seats, write)(*args)


def test_contract_figures_count_the_billable_members(
    slack: FakeWorkspace, seats: SlackSeatsConnector
) -> None:
    for n in range(3):
        slack.add(f"U0{n}", f"p{n}@acme.example")
    slack.add("U09", "guest@acme.example", billable=False)

    assert seats.contract() == ContractFigures(seats=None, assigned=3)


def test_check_names_the_workspace_a_page_of_billable_members_and_the_activity_source(
    slack: FakeWorkspace, seats: SlackSeatsConnector
) -> None:
    for n in range(3):
        slack.add(f"U0{n}", f"p{n}@acme.example")

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
    slack: FakeWorkspace, client: httpx.Client
) -> None:
    slack.add("U01", "ann@acme.example")
    named, named_config = app({"type": "slack", "token_env": "ADMIN_TOKEN", "api_url": API})
    plain, plain_config = app({"type": "slack"})

    mine = from_config(named, named_config, client=client, env={"ADMIN_TOKEN": ADMIN})
    bots = from_config(
        plain, plain_config, client=client, env={}, slack_token=BOT, slack_api_url=API
    )

    assert mine.list_seats() == [SeatRecord("ann@acme.example", "pro")]
    with pytest.raises(Rejected, match="SLACK_BOT_TOKEN needs admin"):
        bots.list_seats()
    with pytest.raises(ConnectorError, match="ADMIN_TOKEN is not set"):
        from_config(named, named_config, client=client, env={})
