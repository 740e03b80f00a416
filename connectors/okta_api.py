"""The shared Okta HTTP layer: SSWS auth, Link paging, rate limits, user lookup and dates."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from connectors.http import (
    Clock,
    HttpRejected,
    Vendor,
    json_value,
    retry_after_seconds,
    send,
    utc_now,
)
from workflows.ports import Rejected, Retryable

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
        body = json_value(response)
        if body is None:
            raise Rejected(
                f"{self.vendor.app_name}: Okta answered {response.request.url.path} with "
                "something other than JSON; check base_url"
            )
        return body


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


def _eq(attribute: str, value: str) -> str:
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{attribute} eq "{quoted}"'


def _reset_at(response: httpx.Response) -> float | None:
    try:
        return float(response.headers["X-Rate-Limit-Reset"])
    except (KeyError, ValueError):
        return None
