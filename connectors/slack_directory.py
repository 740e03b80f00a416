"""Slack as a directory source: ``users.list`` members, no managers or departments, bots skipped."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from connectors.http import Clock, Vendor, utc_now
from connectors.slack_web import AUTH_ERRORS, SLACKBOT, SlackWebApi
from workflows.csvfile import EMAIL
from workflows.ports import PersonRecord, Rejected, Retryable

Resource = dict[str, Any]
Sleep = Callable[[float], None]


class SlackDirectory:
    """People from the Slack workspace itself: no managers or departments."""

    provides_org = False

    def __init__(
        self,
        token: str,
        client: httpx.Client,
        *,
        api_url: str,
        page_size: int = 200,
        timeout: float | None = None,
        now: Clock = utc_now,
        sleep: Sleep = time.sleep,
        max_pause: float = 30.0,
        attempts: int = 3,
    ) -> None:
        self._vendor = Vendor("Directory (slack)", "Slack", "the bot token in SLACK_BOT_TOKEN")
        self._web = SlackWebApi(
            client, token, self._vendor, api_url=api_url, timeout=timeout, now=now
        )
        self._page_size = page_size
        self._sleep = sleep
        self._max_pause = max_pause
        self._attempts = attempts

    def list_people(self) -> list[PersonRecord]:
        """Every human member, across all pages; deleted members are leavers."""
        members: list[Resource] = []
        cursor = ""
        while True:
            page = self._page(cursor)
            members += [m for m in page.get("members") or [] if _is_person(m)]
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                break
        people = [person_from_slack(member) for member in members]
        if members and not any(people):
            raise Rejected(
                f"{self._vendor.app_name}: Slack shows no member's email; "
                "give the app the users:read.email scope and reinstall it"
            )
        return [person for person in people if person is not None]

    def check(self) -> str:
        """Read one page of one member: proves the token and its users:read scope."""
        self._call({"limit": 1})
        return "Slack directory: users.list answers"

    def _page(self, cursor: str) -> Resource:
        params: dict[str, str | int] = {"limit": self._page_size}
        if cursor:
            params["cursor"] = cursor
        for _ in range(self._attempts - 1):
            try:
                return self._call(params)
            except Retryable as exc:
                if exc.retry_after is None or exc.retry_after > self._max_pause:
                    raise
                self._sleep(exc.retry_after)  # Slack said how long; a short wait keeps the cursor
        return self._call(params)

    def _call(self, params: Mapping[str, str | int]) -> Resource:
        return self._web.call("users.list", params, self._refused)

    def _refused(self, code: str, needed: str) -> Rejected:
        prefix = f"{self._vendor.app_name}: Slack refused users.list ({code})"
        if code in AUTH_ERRORS:
            return Rejected(f"{prefix}; check {self._vendor.credential}")
        if code == "missing_scope":
            return Rejected(f"{prefix}; the token needs {needed or 'users:read'}")
        return Rejected(prefix)


def _is_person(member: object) -> bool:
    if not isinstance(member, dict):
        return False
    return not member.get("is_bot") and member.get("id") != SLACKBOT


def person_from_slack(member: Resource) -> PersonRecord | None:
    """The person a Slack user object describes (users.list, users.info); None without email."""
    profile = member.get("profile") or {}
    email = str(profile.get("email") or "").strip().lower()
    if not EMAIL.match(email):
        return None
    name = member.get("real_name") or profile.get("real_name") or member.get("name") or ""
    return PersonRecord(
        email=email,
        name=str(name),
        slack_user_id=str(member.get("id")),
        active=not member.get("deleted"),
    )
