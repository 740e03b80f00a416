"""The workspace's members as the Web API shows them: `users.info` and `users.lookupByEmail`
for one person, and for an admin `users.list`, `team.billableInfo` (who Slack bills for) and
`team.accessLogs` (when each member last used Slack), each answered in the shape Slack
publishes (contracts/slack_web_openapi_v2.json).

`users.list` and `team.billableInfo` page with Slack's opaque cursors (`response_metadata.
next_cursor`, base64 of `user:<id>` as in Slack's own example); `team.accessLogs` pages by
number (`count`, `page`, and `paging` in the answer). A bot token cannot hold the `admin`
scope, so `team.billableInfo` answers it `missing_scope` and `team.accessLogs`
`not_allowed_token_type`, as Slack does.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

Params = dict[str, Any]
Handler = Callable[[Params], dict[str, Any]]
PAGE_SIZE = 200  # members on a page at most, whatever `limit` asks: Slack's recommended limit
ACCESS_LOG_COUNT, ACCESS_LOG_MAX_COUNT, ACCESS_LOG_MAX_PAGE = 100, 1000, 100
# What Slack answers a bot token for a method only an admin's user token may call.
USER_TOKEN_ONLY: dict[str, dict[str, Any]] = {
    "team.billableInfo": {
        "ok": False,
        "error": "missing_scope",
        "needed": "admin",
        "provided": "chat:write,commands,im:write,users:read,users:read.email",
    },
    "team.accessLogs": {"ok": False, "error": "not_allowed_token_type"},
}


class Refused(Exception):
    """Slack's `ok: false` answer with this error code."""


class Members:
    """The people of a workspace, who is billed, and when each last used Slack."""

    def __init__(self, team_id: str) -> None:
        self.team_id = team_id
        self.users: dict[str, dict[str, Any]] = {}
        self.page_size = PAGE_SIZE
        self._billing: dict[str, bool] = {}
        self._logins: list[dict[str, Any]] = []

    def handlers(self) -> dict[str, Handler]:
        """The Web API methods these answer."""
        return {
            "users.info": self._users_info,
            "users.lookupByEmail": self._lookup_by_email,
            "users.list": self._users_list,
            "team.billableInfo": self._billable_info,
            "team.accessLogs": self._access_logs,
        }

    def add(
        self,
        user_id: str,
        email: str | None,
        name: str,
        tz: str,
        *,
        is_bot: bool,
        deleted: bool,
        billable: bool | None,
    ) -> dict[str, Any]:
        """Add or replace a member (`email` None: the token may not read emails); billed when
        `billable`, or by default when a person who is not deactivated."""
        user = _user_object(user_id, self.team_id, email, name, tz)
        user.update(is_bot=is_bot, deleted=deleted)
        self.users[user_id] = user
        self._billing[user_id] = not (is_bot or deleted) if billable is None else billable
        return user

    def log_access(self, user_id: str, *at: int) -> None:
        """A row of `team.accessLogs` for `user_id` per epoch second in `at`."""
        name = self.users[user_id]["name"] if user_id in self.users else user_id.lower()
        for when in at:
            self._logins.append(_login(user_id, name, when))

    def _users_info(self, params: Params) -> dict[str, Any]:
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            raise Refused("user_not_found")
        return {"user": _copy(user) | {"locale": "en-GB"}}

    def _lookup_by_email(self, params: Params) -> dict[str, Any]:
        email = str(params.get("email", "")).lower()
        for user in self.users.values():
            if (user["profile"].get("email") or "").lower() == email and not user["deleted"]:
                return {"user": _copy(user)}
        raise Refused("users_not_found")  # deactivated users are not found either

    def _users_list(self, params: Params) -> dict[str, Any]:
        ids, more = self._page(params)
        members = [_copy(self.users[i]) for i in ids]
        return {"members": members, "cache_ts": int(time.time())} | _next(more)

    def _billable_info(self, params: Params) -> dict[str, Any]:
        one = params.get("user")
        if one:
            if one not in self.users:
                raise Refused("user_not_found")
            ids, more = [str(one)], None
        else:
            ids, more = self._page(params)
        infos = {i: {"billing_active": self._billing[i]} for i in ids}
        return {"billable_info": infos} | _next(more)

    def _access_logs(self, params: Params) -> dict[str, Any]:
        count = min(_number(params, "count", ACCESS_LOG_COUNT), ACCESS_LOG_MAX_COUNT)
        page = _number(params, "page", 1)
        if page > ACCESS_LOG_MAX_PAGE:
            raise Refused("over_pagination_limit")
        newest = sorted(self._logins, key=lambda login: -int(login["date_last"]))
        pages = max(1, -(-len(newest) // count))
        logins = [dict(login) for login in newest[(page - 1) * count : page * count]]
        paging = {"count": count, "total": len(newest), "page": page, "pages": pages}
        return {"logins": logins, "paging": paging}

    def _page(self, params: Params) -> tuple[list[str], str | None]:
        """One page of member ids from the cursor on, and the id the next page starts at."""
        ids = list(self.users)
        start = 0
        if params.get("cursor"):
            first = _decode_cursor(str(params["cursor"]))
            if first not in self.users:
                raise Refused("invalid_cursor")
            start = ids.index(first)
        asked = _number(params, "limit", 0)
        size = min(asked, self.page_size) if asked > 0 else self.page_size
        end = start + size
        return ids[start:end], ids[end] if end < len(ids) else None


def _next(first: str | None) -> dict[str, Any]:
    cursor = base64.b64encode(f"user:{first}".encode()).decode() if first else ""
    return {"response_metadata": {"next_cursor": cursor}}


def _decode_cursor(cursor: str) -> str:
    try:
        decoded = base64.b64decode(cursor, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Refused("invalid_cursor") from None
    return decoded.removeprefix("user:")


def _number(params: Params, name: str, default: int) -> int:
    value = params.get(name)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Refused("invalid_arguments") from None
    if number < 0 or (name != "limit" and number == 0):
        raise Refused("invalid_arguments")
    return number


def _copy(user: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(json.dumps(user)))


def _login(user_id: str, username: str, when: int) -> dict[str, Any]:
    """A login as team.accessLogs lists it (every field its schema requires)."""
    return {
        "user_id": user_id,
        "username": username,
        "date_first": when,
        "date_last": when,
        "count": 1,
        "ip": "127.0.0.1",
        "user_agent": "SlackWeb (Seatkeeper sandbox)",
        "isp": None,
        "country": None,
        "region": None,
    }


def _user_object(
    user_id: str, team_id: str, email: str | None, name: str, tz: str
) -> dict[str, Any]:
    """A user as users.info and users.list show it (field names from Slack's samples)."""
    now = datetime.now(ZoneInfo(tz))
    offset = now.utcoffset()
    names = ("real_name", "real_name_normalized", "display_name", "display_name_normalized")
    flags = ("is_admin", "is_owner", "is_primary_owner", "is_restricted", "is_ultra_restricted")
    profile: dict[str, Any] = dict.fromkeys(names, name) | {"team": team_id}
    if email is not None:
        profile["email"] = email
    return {
        "id": user_id,
        "team_id": team_id,
        "name": name,
        "deleted": False,
        "real_name": name,
        "tz": tz,
        "tz_label": now.tzname() or tz,
        "tz_offset": int(offset.total_seconds()) if offset else 0,
        "profile": profile,
        **dict.fromkeys((*flags, "is_bot", "is_app_user"), False),
        "updated": 1_700_000_000,
    }
