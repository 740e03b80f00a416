"""Google Workspace licences: the License Manager API, plus Reports and Directory for activity.

A seat is a licence assignment of `product_id` on one of the SKUs the config maps to a tier;
its tier is the tier whose SKU it is. Last activity is the user's last Gmail or Drive use from
the Reports API's usage report (`connectors.google_usage`); where that has nothing for the user,
or the reports are refused, it is the Directory `lastLoginTime` (the epoch, 1970-01-01, means
"never signed in" and is left out); each seat's activity words say which of the two it is.
Assigning inserts a licence, revoking deletes it, changing tier patches the assignment onto the
new SKU. Writes are
idempotent: an assignment that already exists, or a licence that is already gone, is success.
Calls go through `connectors.http.send`, so failures map onto the error tree there; tokens come
from `connectors.google_auth`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import httpx
from pydantic import Field

from connectors.credentials import read_secret
from connectors.google_auth import ServiceAccount, load_key
from connectors.google_usage import LAST_USE, USAGE_PAGE_MAX, UsageReports, day_of
from connectors.google_usage import READS as USAGE_READS
from connectors.http import Clock, HttpRejected, Vendor, json_body, send, utc_now
from connectors.tokens import TokenSource
from workflows.catalog import (
    AppConfig,
    ConfigValueError,
    ConnectorConfig,
    tiers_missing_from,
)
from workflows.ports import (
    Assignee,
    ContractFigures,
    NotSupported,
    Rejected,
    SeatRecord,
    UnknownUser,
)

LICENSING = "/apps/licensing/v1/product/{product}/sku/{sku}"
USERS = "/admin/directory/v1/users"
LICENSING_PAGE_MAX = 1000  # maxResults limits from the discovery documents
DIRECTORY_PAGE_MAX = 500
MY_CUSTOMER = "my_customer"  # a Directory alias; Licensing wants the real id (C0…) or domain
ADMIN_API = "https://admin.googleapis.com"  # Directory and Reports
LICENSING_API = "https://licensing.googleapis.com"
TOKEN_URL = "https://oauth2.googleapis.com/token"
# The fields read from Google's answers, by schema; the contract test finds each one there.
READS = {
    "LicenseAssignmentList": ("items", "nextPageToken"),
    "LicenseAssignment": ("userId", "skuId"),
    "Users": ("users", "nextPageToken"),
    "User": ("primaryEmail", "lastLoginTime", "customerId"),
    **USAGE_READS,
}
USERS_SELECTOR = "nextPageToken,users(primaryEmail,lastLoginTime)"
CUSTOMER_SELECTOR = "users(customerId)"
LAST_SIGN_IN = "last sign-in"  # what last activity is when it is the Directory's lastLoginTime
Json = dict[str, Any]


class GoogleWorkspaceConfig(ConnectorConfig):
    """`{type: google_workspace}`: licences of `product_id` through License Manager.

    `credentials_env` names a variable holding the service account's JSON key; the account
    acts as `subject` (an admin) through domain-wide delegation. `skus` maps each tier key to
    a SKU id of `product_id`.
    """

    type: Literal["google_workspace"]
    customer_id: str = MY_CUSTOMER
    product_id: str
    skus: dict[str, str]
    credentials_env: str
    subject: str
    api_url: str = ADMIN_API
    licensing_url: str = LICENSING_API
    token_url: str = TOKEN_URL
    timeout_seconds: float = Field(default=20, gt=0)

    def tier_keys(self) -> dict[str, list[str]]:
        """The tiers `skus` maps."""
        return {"skus": list(self.skus)}

    def tiers_problem(self, tiers: list[str]) -> ConfigValueError | None:
        """A tier without a SKU could be approved but never assigned."""
        return tiers_missing_from("skus", self.skus, tiers)


class GoogleWorkspaceConnector:
    """Assign, move and revoke Google Workspace licences of one product."""

    manual: bool = False
    billed_to_cycle_end: bool = False

    def __init__(
        self,
        app_key: str,
        app_name: str,
        account: ServiceAccount,
        client: httpx.Client,
        *,
        product_id: str,
        skus: Mapping[str, str],
        customer_id: str = MY_CUSTOMER,
        api_url: str = ADMIN_API,
        licensing_url: str = LICENSING_API,
        page_size: int = LICENSING_PAGE_MAX,
        timeout: float | None = None,
        now: Clock = utc_now,
    ) -> None:
        self.app_key = app_key
        self.app_name = app_name
        self.product_id = product_id
        self.skus = dict(skus)
        self._account = account
        self._tokens = account.tokens()
        self._client = client
        self._customer_key = customer_id
        self._customer = None if customer_id == MY_CUSTOMER else customer_id
        self._api = api_url.rstrip("/")
        self._licensing_base = licensing_url.rstrip("/")
        self._page_size = page_size
        self._timeout = timeout
        self._now = now
        credential = f"the service account in {account.key.variable} acting as {account.subject}"
        self._vendor = Vendor(app_name, "Google's admin APIs", credential)
        size = self._size(USAGE_PAGE_MAX)
        self._usage = UsageReports(self._call, self._pages, account, self._api, size, now)

    def list_seats(self) -> list[SeatRecord]:
        """Every licence on a mapped SKU, with its tier and the holder's last active day."""
        held: list[tuple[str, str | None]] = []
        for sku in self._distinct_skus():
            params: dict[str, str | int] = {
                "customerId": self._customer_id(),
                "maxResults": self._size(LICENSING_PAGE_MAX),
            }
            for item in self._pages(self._licensing(sku) + "/users", "items", params):
                email = str(item.get("userId") or "").lower()
                if email:
                    held.append((email, self._tier_of(str(item.get("skuId") or sku))))
        logins = self._last_logins() if held else {}
        used = self._usage.activity(self._usage_customer()) if held else {}
        seats = []
        for email, tier in held:
            day, words = _last_activity(used.get(email), logins.get(email))
            seats.append(SeatRecord(email, tier, last_active_on=day, activity=words))
        return seats

    def assign(self, who: Assignee, tier: str) -> None:
        """Insert a licence on the tier's SKU; one already there (or on another tier) is kept."""
        sku = self._sku(tier)
        try:
            self._call("POST", self._licensing(sku) + "/user", body={"userId": who.email})
        except HttpRejected as exc:
            if exc.status == 404:
                raise UnknownUser(
                    f"{self.app_name}: Google Workspace has no user {who.email}; create the "
                    f"account in the Admin console first (Google said: {exc.detail})"
                ) from exc
            current = self._current_sku(who.email) if exc.status in (400, 409) else None
            if current is None:
                raise
            if current != sku:
                self._move(who.email, current, sku)

    def revoke(self, who: Assignee) -> None:
        """Delete the licence on whichever mapped SKU `who` holds; none held is success."""
        current = self._current_sku(who.email)
        if current is None:
            return
        try:
            self._call("DELETE", self._assignment(current, who.email))
        except HttpRejected as exc:
            if exc.status != 404:
                raise

    def change_tier(self, who: Assignee, tier: str) -> None:
        """Move the licence onto the tier's SKU, or assign it if `who` holds none."""
        sku = self._sku(tier)
        current = self._current_sku(who.email)
        if current is None:
            self.assign(who, tier)
        elif current != sku:
            self._move(who.email, current, sku)

    def contract(self) -> ContractFigures | None:
        """None: the Licensing API lists assignments but not how many licences were bought."""
        return None

    def check(self) -> str:
        """Get a token, read one licence page per SKU, one Directory page and the newest ready
        usage report; describe them (refused usage reports are said, not raised)."""
        self._tokens.token()
        if not self.skus:
            raise Rejected(f"{self.app_name}: connector.skus maps no tier to a SKU")
        customer = self._customer_id()
        for sku in self._distinct_skus():
            params: dict[str, str | int] = {"customerId": customer, "maxResults": 1}
            self._call("GET", self._licensing(sku) + "/users", params=params)
        self._call("GET", self._api + USERS, params={**self._scope(), "maxResults": 1})
        mapped = ", ".join(f"{tier}={sku}" for tier, sku in self.skus.items())
        usage = self._usage.status(self._usage_customer())
        return (
            f"Google Workspace at {urlsplit(self._licensing_base).netloc}: product "
            f"{self.product_id} for customer {customer} as {self._account.subject}; "
            f"SKUs {mapped} and the directory are readable; {usage}"
        )

    def _move(self, email: str, current: str, sku: str) -> None:
        self._call("PATCH", self._assignment(current, email), body={"skuId": sku})

    def _current_sku(self, email: str) -> str | None:
        for sku in self._distinct_skus():
            try:
                self._call("GET", self._assignment(sku, email))
            except HttpRejected as exc:
                if exc.status == 404:
                    continue
                raise
            return sku
        return None

    def _last_logins(self) -> dict[str, dt.date | None]:
        params = {
            **self._scope(),
            "maxResults": self._size(DIRECTORY_PAGE_MAX),
            "projection": "basic",
            "fields": USERS_SELECTOR,
        }
        return {
            str(user.get("primaryEmail") or "").lower(): day_of(user.get("lastLoginTime"))
            for user in self._pages(self._api + USERS, "users", params)
        }

    def _customer_id(self) -> str:
        if self._customer is None:
            params = {**self._scope(), "maxResults": 1, "fields": CUSTOMER_SELECTOR}
            users = self._call("GET", self._api + USERS, params=params).get("users") or [{}]
            found = users[0].get("customerId") if isinstance(users[0], dict) else None
            if not isinstance(found, str) or not found:
                raise Rejected(
                    f"{self.app_name}: could not look up the Google Workspace customer id; set "
                    "connector.customer_id to the id in Admin console > Account settings"
                )
            self._customer = found
        return self._customer

    def _usage_customer(self) -> str:
        # Reports takes a customer id (C…) or my_customer, never a domain (whose customer that is).
        customer = self._customer_id()
        return MY_CUSTOMER if "." in customer else customer

    def _scope(self) -> dict[str, str | int]:
        # Directory takes a customer id (or my_customer) as `customer`, a domain as `domain`.
        key = "domain" if "." in self._customer_key else "customer"
        return {key: self._customer_key}

    def _pages(
        self,
        url: str,
        key: str,
        params: Mapping[str, str | int],
        *,
        tokens: TokenSource | None = None,
    ) -> Iterator[Json]:
        token: str | None = None
        seen: set[str] = set()
        while True:
            query = {**params, "pageToken": token} if token else dict(params)
            page = self._call("GET", url, params=query, tokens=tokens)
            yield from (item for item in page.get(key) or [] if isinstance(item, dict))
            token = page.get("nextPageToken") or None
            if token is None or token in seen:  # a repeated token would page forever
                return
            seen.add(token)

    def _sku(self, tier: str) -> str:
        sku = self.skus.get(tier)
        if sku is None:
            raise NotSupported(
                f"{self.app_name}: tier {tier} has no Google SKU in connector.skus; "
                "a person has to assign it (or map the tier to a SKU id)"
            )
        return sku

    def _tier_of(self, sku: str) -> str | None:
        return next((tier for tier, mapped in self.skus.items() if mapped == sku), None)

    def _distinct_skus(self) -> list[str]:
        return list(dict.fromkeys(self.skus.values()))

    def _size(self, limit: int) -> int:
        return max(1, min(self._page_size, limit))

    def _licensing(self, sku: str) -> str:
        path = LICENSING.format(product=_segment(self.product_id), sku=_segment(sku))
        return self._licensing_base + path

    def _assignment(self, sku: str, email: str) -> str:
        return f"{self._licensing(sku)}/user/{_segment(email)}"

    def _call(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Json | None = None,
        tokens: TokenSource | None = None,
    ) -> Json:
        response = send(
            self._client,
            self._vendor,
            method,
            url,
            headers=(tokens or self._tokens).headers(),
            params=params,
            json=body,
            timeout=self._timeout,
            now=self._now,
        )
        return json_body(response, self._vendor)


def _last_activity(
    used: dt.date | None, signed_in: dt.date | None
) -> tuple[dt.date | None, str | None]:
    """Gmail or Drive use where Reports has it, else the last sign-in; with its words."""
    if used is not None:
        return used, LAST_USE
    return signed_in, LAST_SIGN_IN if signed_in is not None else None


def _segment(value: str) -> str:
    return quote(value, safe="@")


def from_config(
    app: AppConfig,
    config: GoogleWorkspaceConfig,
    *,
    client: httpx.Client,
    env: Mapping[str, str],
    now: Clock = utc_now,
) -> GoogleWorkspaceConnector:
    """A Google Workspace connector for `app`, its service account key read from the env."""
    text = read_secret(app, config.credentials_env, env, "service account JSON key")
    key = load_key(app.name, config.credentials_env, text)
    account = ServiceAccount(
        client, app.name, key, config.subject, config.token_url, config.timeout_seconds, now
    )
    return GoogleWorkspaceConnector(
        app.key,
        app.name,
        account,
        client,
        product_id=config.product_id,
        skus=config.skus,
        customer_id=config.customer_id,
        api_url=config.api_url,
        licensing_url=config.licensing_url,
        timeout=config.timeout_seconds,
        now=now,
    )
