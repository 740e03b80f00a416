"""Okta connector: the people assigned to one Okta application are its seats.

It speaks the Okta Management API (``/api/v1``) with an API token (``Authorization: SSWS …``).
A seat is an app-user assignment; its tier is the app-user profile attribute that
``tier_attribute`` names; last activity is the Okta user's ``lastLogin``, embedded in the same
listing with ``expand=user``. Lists follow the ``Link: <…>; rel="next"`` header as Okta asks.

Calls go through `connectors.http.send`, which quotes Okta's ``errorSummary`` (``errorCode``)
when one fails. Rate limits: Okta answers 429 with ``X-Rate-Limit-Reset`` (epoch seconds) and
often without ``Retry-After``, so `send`'s ``retry_after`` hook makes the wait until the reset
``Retryable.retry_after``. When a success says ``X-Rate-Limit-Remaining: 0``, the next call
first waits for the reset (up to ``max_pause`` seconds) or raises Retryable at once instead of
spending a call on a certain 429.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from connectors.credentials import read_secret
from connectors.http import Clock, HttpRejected, Vendor, retry_after_seconds, send, utc_now
from workflows.catalog import AppConfig
from workflows.catalog import OktaConnector as OktaConfig
from workflows.ports import (
    Assignee,
    ContractFigures,
    NotSupported,
    Rejected,
    Retryable,
    SeatRecord,
    UnknownUser,
)

Resource = dict[str, Any]
Sleep = Callable[[float], None]
GONE = frozenset({"DEPROVISIONED", "SUSPENDED"})  # user statuses that hold no working account


class OktaApi:
    """Calls to one Okta org: SSWS auth, Link paging, rate limits and Okta's error bodies."""

    def __init__(
        self,
        base_url: str,
        token: str,
        client: httpx.Client,
        vendor: Vendor,
        *,
        page_size: int = 200,
        timeout: float | None = None,
        now: Clock = utc_now,
        sleep: Sleep = time.sleep,
        max_pause: float = 5.0,
    ) -> None:
        self.base = base_url.rstrip("/")
        self.vendor = vendor
        self.page_size = page_size
        self._client = client
        self._headers = {"Authorization": f"SSWS {token}", "Accept": "application/json"}
        self._timeout = timeout
        self._now = now
        self._sleep = sleep
        self._max_pause = max_pause
        self._not_before: float | None = None  # epoch seconds when the spent budget resets

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Resource | None = None,
    ) -> Any:
        """One call; its decoded JSON (an object or a list), None when the body is empty."""
        return self._decode(self._send(method, self.base + path, params, body))

    def find(self, method: str, path: str) -> Any:
        """Like `call`, but None when Okta answers 404 (no such user, app or assignment)."""
        try:
            return self.call(method, path)
        except HttpRejected as exc:
            if exc.status == 404:
                return None
            raise

    def pages(self, path: str, params: Mapping[str, str | int] | None = None) -> Iterator[Resource]:
        """Every object of a list, following ``rel="next"`` links to the end."""
        url: str | None = self.base + path
        query: Mapping[str, str | int] | None = {**(params or {}), "limit": self.page_size}
        seen: set[str] = set()
        while url is not None:
            response = self._send("GET", url, query, None)
            items = self._decode(response)
            if not isinstance(items, list):
                raise Rejected(f"{self.vendor.app_name}: Okta did not answer {path} with a list")
            yield from (item for item in items if isinstance(item, dict))
            seen.add(str(response.request.url))
            url, query = self._next(response, seen), None

    def _next(self, response: httpx.Response, seen: set[str]) -> str | None:
        link = response.links.get("next", {}).get("url")
        if not link or link in seen:
            return None
        here, there = urlsplit(self.base), urlsplit(link)
        if (here.scheme, here.netloc) != (there.scheme, there.netloc):
            # The token goes wherever the link points: never off the configured org.
            raise Rejected(f"{self.vendor.app_name}: Okta's next-page link leaves {here.netloc}")
        return link

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, str | int] | None,
        body: Resource | None,
    ) -> httpx.Response:
        self._wait_for_budget()
        response = send(
            self._client,
            self.vendor,
            method,
            url,
            headers=self._headers,
            params=params,
            json=body,
            timeout=self._timeout,
            now=self._now,
            retry_after=self._rate_limited,
        )
        self._note_budget(response)
        return response

    def _wait_for_budget(self) -> None:
        if self._not_before is None:
            return
        wait = self._not_before - self._now().timestamp()
        if wait > self._max_pause:
            raise Retryable(
                f"{self.vendor.app_name}: Okta's rate limit is used up; it resets in {wait:.0f} s",
                wait,
            )
        if wait > 0:
            self._sleep(wait)
        self._not_before = None

    def _note_budget(self, response: httpx.Response) -> None:
        if response.headers.get("X-Rate-Limit-Remaining", "").strip() == "0":
            self._not_before = _reset_at(response)

    def _rate_limited(self, response: httpx.Response) -> float | None:
        """On a 429: note the reset (the next call waits for it) and, unless ``Retry-After``
        says how long, wait until then."""
        if response.status_code != 429:
            return None
        reset = self._not_before = _reset_at(response)
        asked = retry_after_seconds(response.headers.get("Retry-After"), self._now())
        if reset is None or asked is not None:
            return None  # send() takes Retry-After as usual
        return max(0.0, reset - self._now().timestamp())

    def _decode(self, response: httpx.Response) -> Any:
        if not response.content:
            return None
        body = _safe_json(response)
        if body is None:
            raise Rejected(
                f"{self.vendor.app_name}: Okta answered {response.request.url.path} with "
                "something other than JSON; check base_url"
            )
        return body


class OktaConnector:
    """Seats are the assignments of one Okta application."""

    manual: bool = False

    def __init__(
        self,
        app_name: str,
        api: OktaApi,
        app_id: str,
        *,
        tier_attribute: str | None = None,
    ) -> None:
        self.app_name = app_name
        self.app_id = app_id
        self.tier_attribute = tier_attribute
        self._api = api
        self._app = f"/api/v1/apps/{quote(app_id, safe='')}"

    def list_seats(self) -> list[SeatRecord]:
        """Every assignment of the app, with tier and the user's last sign-in."""
        return [self._seat(app_user) for app_user in self._api.pages(f"{self._app}/users", _EXPAND)]

    def assign(self, who: Assignee, tier: str) -> None:
        """Assign the Okta user to the app on `tier`; an existing assignment only changes tier."""
        user = self._require_user(who)
        if user.get("status") in GONE:
            raise Rejected(
                f"{self.app_name}: {who.email} is {user['status']} in Okta; reactivate them first"
            )
        assignment = self._assignment(str(user["id"]))
        if assignment is not None:
            self._set_tier(assignment, tier)
            return
        body: Resource = {"id": user["id"], "scope": "USER"}
        if self.tier_attribute:
            body["profile"] = {self.tier_attribute: tier}
        self._api.call("POST", f"{self._app}/users", body=body)

    def revoke(self, who: Assignee) -> None:
        """Unassign the user from the app; nothing to do if Okta has no such assignment."""
        user = find_user(self._api, who.email)
        if user is not None:
            self._api.find("DELETE", f"{self._app}/users/{quote(str(user['id']), safe='')}")

    def change_tier(self, who: Assignee, tier: str) -> None:
        """Write `tier` into the assignment's profile attribute."""
        if not self.tier_attribute:
            raise NotSupported(
                f"{self.app_name}: tiers are not kept in Okta (no tier_attribute configured)"
            )
        user = self._require_user(who)
        assignment = self._assignment(str(user["id"]))
        if assignment is None:
            raise Rejected(f"{self.app_name}: {who.email} is not assigned to the app in Okta")
        self._set_tier(assignment, tier)

    def contract(self) -> ContractFigures | None:
        """Okta exposes no contract figures for an app."""
        return None

    def check(self) -> str:
        """Read the app: proves the token, the org URL and the app id."""
        app = self._api.find("GET", self._app)
        if app is None:
            raise Rejected(f"{self.app_name}: Okta has no app with id {self.app_id}; check app_id")
        return f"Okta app {app.get('label', self.app_id)} ({app.get('status', 'unknown')})"

    def _seat(self, app_user: Resource) -> SeatRecord:
        user = (app_user.get("_embedded") or {}).get("user")
        if not isinstance(user, dict):  # an org that ignores expand=user: one lookup each
            user = self._api.find("GET", f"/api/v1/users/{quote(str(app_user.get('id')), safe='')}")
            user = user if isinstance(user, dict) else {}
        return SeatRecord(
            email=_assignment_email(app_user, user),
            tier=self._tier_of(app_user),
            assigned_on=okta_date(app_user.get("created")),
            last_active_on=okta_date(user.get("lastLogin")),
        )

    def _tier_of(self, app_user: Resource) -> str | None:
        if not self.tier_attribute:
            return None
        value = (app_user.get("profile") or {}).get(self.tier_attribute)
        if isinstance(value, list):  # a multi-valued attribute: its first value
            value = next(iter(value), None)
        return str(value) if value not in (None, "") else None

    def _set_tier(self, assignment: Resource, tier: str) -> None:
        profile = dict(assignment.get("profile") or {})
        if not self.tier_attribute or profile.get(self.tier_attribute) == tier:
            return
        # The spec asks to POST back the whole current profile with the change applied.
        profile[self.tier_attribute] = tier
        user_id = quote(str(assignment["id"]), safe="")
        self._api.call("POST", f"{self._app}/users/{user_id}", body={"profile": profile})

    def _assignment(self, user_id: str) -> Resource | None:
        return self._api.find("GET", f"{self._app}/users/{quote(user_id, safe='')}")

    def _require_user(self, who: Assignee) -> Resource:
        user = find_user(self._api, who.email)
        if user is None:
            raise UnknownUser(
                f"{self.app_name}: Okta has no user {who.email}; create them in Okta first"
            )
        return user


_EXPAND = {"expand": "user"}


def find_user(api: OktaApi, email: str) -> Resource | None:
    """The Okta user whose login or email is `email`: by login first, then a search."""
    user = api.find("GET", f"/api/v1/users/{quote(email, safe='@')}")
    if isinstance(user, dict) and _has_email(user, email):
        return user
    found = api.call("GET", "/api/v1/users", params={"search": _eq("profile.email", email)})
    matches = [u for u in found or [] if isinstance(u, dict) and _has_email(u, email)]
    matches.sort(key=lambda u: u.get("status") in GONE)  # a live account before a leaver's
    return matches[0] if matches else None


def okta_date(value: object) -> dt.date | None:
    """The date of an Okta timestamp such as ``2014-06-24T15:27:59.000Z``, else None."""
    try:
        return dt.datetime.fromisoformat(str(value)).date() if value else None
    except ValueError:
        return None


def _has_email(user: Resource, email: str) -> bool:
    profile = user.get("profile") or {}
    wanted = email.casefold()
    return any(str(profile.get(key, "")).casefold() == wanted for key in ("login", "email"))


def _assignment_email(app_user: Resource, user: Resource) -> str:
    user_profile, app_profile = user.get("profile") or {}, app_user.get("profile") or {}
    user_name = (app_user.get("credentials") or {}).get("userName")
    for value in (user_profile.get("email"), app_profile.get("email"), user_name):
        if isinstance(value, str) and "@" in value:
            return value.lower()
    return str(user_name or app_user.get("id", "")).lower()


def _eq(attribute: str, value: str) -> str:
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{attribute} eq "{quoted}"'


def _reset_at(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["X-Rate-Limit-Reset"])
    except (KeyError, ValueError):
        return None


def _safe_json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def from_config(
    app: AppConfig, config: OktaConfig, *, client: httpx.Client, env: Mapping[str, str]
) -> OktaConnector:
    """An Okta connector for `app`, its API token read from `config.token_env`."""
    token = read_secret(app, config.token_env, env, "Okta API token")
    vendor = Vendor(app.name, "Okta", f"the API token in {config.token_env}")
    api = OktaApi(config.base_url, token, client, vendor, timeout=config.timeout_seconds)
    return OktaConnector(app.name, api, config.app_id, tier_attribute=config.tier_attribute)
