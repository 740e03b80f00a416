"""The Slack workspace's own paid seats: who Slack bills for, from `team.billableInfo`.

A seat is a member of `users.list` who is not a bot, Slackbot or deactivated and whose
`billing_active` (Slack's Fair Billing status) is true; the seat's key is the member's profile
email, so the token also needs `users:read` and `users:read.email`. `team.billableInfo` needs the
`admin` scope, which only a user token can hold: name a variable with an admin's user token in
`connector.token_env`; the bot token (the default) gets `missing_scope` and says so.

Last activity comes from `team.accessLogs` (the newest `date_last` per user) when the token may
call it — an admin user token on a paid plan. Otherwise it is unknown and `check()` says why.
Slack has no per-member tiers here, so every seat is on the app's first tier.

Inviting and deactivating members needs Slack's SCIM or admin APIs, so `assign`, `revoke` and
`change_tier` raise `NotSupported`: use the `scim` connector against Slack's SCIM API for that.

Slack reports ordinary failures as HTTP 200 with ``{"ok": false, "error": …}``
(`connectors.slack_web` reads them)::

    invalid_auth, not_authed, token_revoked, token_expired, account_inactive
                                     →  Rejected, naming the app and the token's variable
    missing_scope, not_allowed_token_type
                                     →  Rejected, naming the scope (`needed`) and the variable
    ratelimited, internal_error, fatal_error, service_unavailable, request_timeout
                                     →  Retryable
    any other error                  →  SlackRefused (a Rejected carrying the error code)

HTTP 429 with Retry-After, 5xx and transport errors are `connectors.http.send`'s to map.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import httpx
from pydantic import Field

from connectors.credentials import read_secret
from connectors.http import Clock, Vendor, utc_now
from connectors.slack_web import AUTH_ERRORS, SLACKBOT, SlackWebApi
from workflows.catalog import AppConfig, ConnectorConfig
from workflows.ports import (
    Assignee,
    ConnectorError,
    ContractFigures,
    NotSupported,
    Rejected,
    Retryable,
    SeatRecord,
)

SLACK_API_URL = "https://slack.com/api/"
BOT_TOKEN_ENV = "SLACK_BOT_TOKEN"
SCOPE_ERRORS = frozenset({"missing_scope", "not_allowed_token_type"})
RETRY_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)
ADMIN_METHODS = frozenset({"team.billableInfo", "team.accessLogs"})
ACCESS_LOG_COUNT = 1000
ACCESS_LOG_MAX_PAGES = 100  # Slack refuses pages past 100 (over_pagination_limit)
# An access log's `date_last` is the member's last access to Slack from any device or browser.
LAST_ACCESS = "last Slack access"
Json = dict[str, Any]


class SlackSeatsConfig(ConnectorConfig):
    """`{type: slack}`: the workspace's own paid seats (`team.billableInfo`, `users.list`).

    `token_env` names a variable with a token allowed to call team.billableInfo (an admin's
    user token); without it, the bot token (SLACK_BOT_TOKEN) is used.
    """

    type: Literal["slack"]
    token_env: str | None = None
    api_url: str | None = None
    timeout_seconds: float = Field(default=20, gt=0)


class SlackRefused(Rejected):
    """Slack answered `ok: false`; `code` is its error string."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


class SlackSeatsConnector:
    """Read the paid seats of the Slack workspace the token belongs to."""

    manual: bool = False
    billed_to_cycle_end: bool = False

    def __init__(
        self,
        app_key: str,
        app_name: str,
        token: str,
        client: httpx.Client,
        *,
        api_url: str = SLACK_API_URL,
        token_env: str | None = None,
        tier: str | None = None,
        page_size: int = 200,
        access_log_page_size: int = ACCESS_LOG_COUNT,
        timeout: float | None = None,
        now: Clock = utc_now,
    ) -> None:
        self.app_key = app_key
        self.app_name = app_name
        self.tier = tier
        self._credential = f"the token in {token_env or BOT_TOKEN_ENV}"
        vendor = Vendor(app_name, "Slack", self._credential)
        self._web = SlackWebApi(client, token, vendor, api_url=api_url, timeout=timeout, now=now)
        self._page_size = page_size
        self._access_log_page_size = access_log_page_size

    def list_seats(self) -> list[SeatRecord]:
        """One seat per billable human member, with last activity where Slack gives it."""
        billable = self._billable()
        activity, _ = self._activity(pages=ACCESS_LOG_MAX_PAGES)
        seats: list[SeatRecord] = []
        no_email = 0
        for member in self._members():
            if member.get("is_bot") or member.get("deleted") or member.get("id") == SLACKBOT:
                continue
            if billable.get(str(member.get("id"))) is not True:
                continue
            email = (member.get("profile") or {}).get("email")
            if not isinstance(email, str) or not email:
                no_email += 1
                continue
            last = activity.get(str(member.get("id")))
            words = LAST_ACCESS if last else None
            seats.append(SeatRecord(email.lower(), self.tier, last_active_on=last, activity=words))
        if no_email:
            raise Rejected(
                f"{self.app_name}: Slack listed {no_email} billable members without an email; "
                f"{self._credential} needs the users:read.email scope"
            )
        return seats

    def assign(self, who: Assignee, tier: str) -> None:
        """Inviting a member needs Slack's SCIM or admin APIs, not this connector."""
        raise NotSupported(self._not_here(f"inviting {who.email}"))

    def revoke(self, who: Assignee) -> None:
        """Deactivating a member needs Slack's SCIM or admin APIs, not this connector."""
        raise NotSupported(self._not_here(f"deactivating {who.email}"))

    def change_tier(self, who: Assignee, tier: str) -> None:
        """Slack has no per-member tiers this connector can change."""
        raise NotSupported(self._not_here(f"moving {who.email} to {tier}"))

    def contract(self) -> ContractFigures | None:
        """Members Slack bills for now; the plan's size is not in the API."""
        return ContractFigures(seats=None, assigned=sum(self._billable().values()))

    def check(self) -> str:
        """Who the token is, one page of billable members, and whether activity is readable."""
        who = self._call("auth.test")
        page = self._call("team.billableInfo", limit=self._page_size)
        count = sum(_active(info) for info in (page.get("billable_info") or {}).values())
        more = "+" if _next_cursor(page) else ""
        _, refused = self._activity(pages=1, count=1)
        activity = (
            "last activity from team.accessLogs"
            if refused is None
            else f"no last activity: team.accessLogs said {refused} "
            "(it needs an admin's user token on a paid plan)"
        )
        return (
            f"Slack workspace {who.get('team')} ({who.get('team_id')}): "
            f"{count}{more} billable members; {activity}"
        )

    def _members(self) -> Iterator[Json]:
        for page in self._pages("users.list", limit=self._page_size):
            yield from (m for m in page.get("members") or [] if isinstance(m, dict))

    def _billable(self) -> dict[str, bool]:
        found: dict[str, bool] = {}
        for page in self._pages("team.billableInfo", limit=self._page_size):
            for user_id, info in (page.get("billable_info") or {}).items():
                found[str(user_id)] = _active(info)
        return found

    def _activity(
        self, *, pages: int, count: int | None = None
    ) -> tuple[dict[str, dt.date], str | None]:
        """The newest login day per user id, and Slack's error code if it refused at once."""
        last: dict[str, dt.date] = {}
        count = count or self._access_log_page_size
        for number in range(1, pages + 1):
            try:
                body = self._call("team.accessLogs", count=count, page=number)
            except SlackRefused as exc:
                return last, (exc.code if number == 1 else None)
            for login in body.get("logins") or []:
                day = _day(login.get("date_last"))
                user_id = str(login.get("user_id"))
                if day is not None and (user_id not in last or day > last[user_id]):
                    last[user_id] = day
            total = (body.get("paging") or {}).get("pages")
            if not isinstance(total, int) or number >= total:
                break
        return last, None

    def _pages(self, method: str, **args: str | int) -> Iterator[Json]:
        seen: set[str] = set()
        cursor = ""
        while True:
            body = self._call(method, **args, **({"cursor": cursor} if cursor else {}))
            yield body
            cursor = _next_cursor(body)
            if not cursor or cursor in seen:
                return
            seen.add(cursor)

    def _call(self, method: str, **args: str | int) -> Json:
        return self._web.call(method, args, lambda code, needed: self._error(method, code, needed))

    def _error(self, method: str, code: str, needed: str) -> ConnectorError:
        prefix = f"{self.app_name}: Slack refused {method}"
        if code in AUTH_ERRORS:
            return SlackRefused(
                f"{prefix}: {self._credential} is not valid ({code}); "
                "check that it is right and not revoked",
                code,
            )
        if code in RETRY_ERRORS:
            return Retryable(f"{self.app_name}: Slack could not serve {method} ({code})")
        if code in SCOPE_ERRORS:
            scope = needed or "a scope it does not have"
            hint = (
                "; only a user token can hold admin: put an admin's user token in a variable "
                "and name it in connector.token_env"
                if method in ADMIN_METHODS
                else ""
            )
            return SlackRefused(f"{prefix} ({code}): {self._credential} needs {scope}{hint}", code)
        return SlackRefused(f"{prefix} ({code})", code)

    def _not_here(self, what: str) -> str:
        return (
            f"{self.app_name}: {what} needs Slack's SCIM or admin APIs; "
            "use the scim connector against Slack's SCIM API, or IT does it by hand"
        )


def _active(info: object) -> bool:
    return isinstance(info, dict) and info.get("billing_active") is True


def _next_cursor(body: Json) -> str:
    cursor = (body.get("response_metadata") or {}).get("next_cursor")
    return cursor if isinstance(cursor, str) else ""


def _day(epoch: object) -> dt.date | None:
    if not isinstance(epoch, int | float) or isinstance(epoch, bool):
        return None
    return dt.datetime.fromtimestamp(epoch, dt.UTC).date()


def from_config(
    app: AppConfig,
    config: SlackSeatsConfig,
    *,
    client: httpx.Client,
    env: Mapping[str, str],
    slack_token: str | None = None,
    slack_api_url: str = SLACK_API_URL,
) -> SlackSeatsConnector:
    """A Slack seats connector: the token in `config.token_env`, else the bot token."""
    if config.token_env:
        token = read_secret(app, config.token_env, env, "Slack admin's user token (admin scope)")
    elif slack_token:
        token = slack_token
    else:
        token = read_secret(app, BOT_TOKEN_ENV, env, "Slack bot token")
    return SlackSeatsConnector(
        app.key,
        app.name,
        token,
        client,
        api_url=config.api_url or env.get("SLACK_API_URL") or slack_api_url,
        token_env=config.token_env,
        tier=app.tiers[0].key,
        timeout=config.timeout_seconds,
    )
