"""Okta connector: the people assigned to one Okta application are its seats.

It speaks the Okta Management API (``/api/v1``) with an API token (``Authorization: SSWS …``).
A seat is an app-user assignment; its tier is the app-user profile attribute that
``tier_attribute`` names; last activity is the Okta user's ``lastLogin``, embedded in the same
listing with ``expand=user``. Lists follow the ``Link: <…>; rel="next"`` header as Okta asks.

Calls go through `connectors.okta_api.OktaApi`, which sends with `connectors.http.send` and
quotes Okta's ``errorSummary`` (``errorCode``) when one fails. Rate limits: Okta answers 429
with ``X-Rate-Limit-Reset`` (epoch seconds) and often without ``Retry-After``, so `send`'s
``retry_after`` hook makes the wait until the reset ``Retryable.retry_after``. When a success
says ``X-Rate-Limit-Remaining: 0``, the next call first waits for the reset (up to
``max_pause`` seconds) or raises Retryable at once instead of spending a call on a certain 429.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from urllib.parse import quote

import httpx
from pydantic import Field

from connectors.credentials import read_secret
from connectors.http import Vendor
from connectors.okta_api import GONE, OktaApi, Resource, find_user, okta_date
from workflows.catalog import AppConfig, ConnectorConfig
from workflows.ports import (
    Assignee,
    ContractFigures,
    NotSupported,
    Rejected,
    SeatRecord,
    UnknownUser,
)

LAST_SIGN_IN = "last Okta sign-in"  # the user's `lastLogin`: a sign-in to Okta, not to the app


class OktaConfig(ConnectorConfig):
    """`{type: okta}`: the people assigned to one Okta application count as its seats.

    `tier_attribute` names the app-user profile attribute that holds the tier (for example
    `role`); without it every assignment is on the app's first tier.
    """

    type: Literal["okta"]
    base_url: str
    app_id: str
    token_env: str
    tier_attribute: str | None = None
    timeout_seconds: float = Field(default=20, gt=0)


class OktaConnector:
    """Seats are the assignments of one Okta application."""

    manual: bool = False
    billed_to_cycle_end: bool = False

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
        last = okta_date(user.get("lastLogin"))
        return SeatRecord(
            email=_assignment_email(app_user, user),
            tier=self._tier_of(app_user),
            assigned_on=okta_date(app_user.get("created")),
            last_active_on=last,
            activity=LAST_SIGN_IN if last else None,
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


def _assignment_email(app_user: Resource, user: Resource) -> str:
    user_profile, app_profile = user.get("profile") or {}, app_user.get("profile") or {}
    user_name = (app_user.get("credentials") or {}).get("userName")
    for value in (user_profile.get("email"), app_profile.get("email"), user_name):
        if isinstance(value, str) and "@" in value:
            return value.lower()
    return str(user_name or app_user.get("id", "")).lower()


def from_config(
    app: AppConfig, config: OktaConfig, *, client: httpx.Client, env: Mapping[str, str]
) -> OktaConnector:
    """An Okta connector for `app`, its API token read from `config.token_env`."""
    token = read_secret(app, config.token_env, env, "Okta API token")
    vendor = Vendor(app.name, "Okta", f"the API token in {config.token_env}")
    api = OktaApi(config.base_url, token, client, vendor, timeout=config.timeout_seconds)
    return OktaConnector(app.name, api, config.app_id, tier_attribute=config.tier_attribute)
