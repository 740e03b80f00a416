"""Generic SCIM 2.0 connector (RFC 7643 resources, RFC 7644 protocol).

A seat is an active User. Its tier is the Group of that name the user belongs to
(``tiers_as="groups"``), the User's primary ``roles`` value (``tiers_as="roles"``), or, for an
app with one tier, simply that tier (``tiers_as="none"``, the default then: most SCIM vendors
have no group per seat type). Revoking deactivates the User (``active: false``) rather than
deleting it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
from pydantic import Field

from connectors.credentials import read_secret
from connectors.http import Clock, HttpRejected, Vendor, json_body, send, utc_now
from workflows.catalog import AppConfig, ConfigValueError, ConnectorConfig
from workflows.ports import Assignee, ContractFigures, Rejected, SeatRecord, UnknownUser

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"
FEATURES = ("patch", "filter", "etag", "bulk")
Resource = dict[str, Any]
Operation = dict[str, Any]


TiersAs = Literal["groups", "roles", "none"]


class ScimConfig(ConnectorConfig):
    """`{type: scim}`: the vendor's SCIM base URL and the variable holding its bearer token.

    `tiers_as` unset: `none` for an app with one tier, `groups` for several.
    """

    type: Literal["scim"]
    base_url: str
    token_env: str
    tiers_as: TiersAs | None = None
    timeout_seconds: float = Field(default=20, gt=0)

    def tiers_problem(self, tiers: list[str]) -> ConfigValueError | None:
        """`none` gives every seat the same tier, so the app may have only one."""
        if self.tiers_as == "none" and len(tiers) != 1:
            return ConfigValueError("tiers_as none needs exactly one tier (every seat is on it)")
        return None

    def tiers_as_for(self, tiers: list[str]) -> TiersAs:
        """How seats show their tier at the vendor, for an app with these tiers."""
        return self.tiers_as or ("none" if len(tiers) == 1 else "groups")


class ScimConnector:
    """Provision seats on any SCIM 2.0 service provider."""

    manual: bool = False
    billed_to_cycle_end: bool = False

    def __init__(
        self,
        app_key: str,
        app_name: str,
        base_url: str,
        token: str,
        client: httpx.Client,
        tiers_as: TiersAs = "groups",
        *,
        token_env: str | None = None,
        tiers: Collection[str] = (),
        page_size: int = 100,
        timeout: float | None = None,
        now: Clock = utc_now,
    ) -> None:
        if tiers_as not in ("groups", "roles", "none"):
            raise ValueError(f"tiers_as must be groups, roles or none, not {tiers_as!r}")
        if tiers_as == "none" and len(tuple(tiers)) != 1:
            raise ValueError("tiers_as none needs exactly one tier")
        self.app_key = app_key
        self.app_name = app_name
        self.tiers_as = tiers_as
        self.tiers = tuple(tiers)
        self._base = base_url.rstrip("/")
        self._client = client
        self._auth = {"Authorization": f"Bearer {token}", "Accept": SCIM_JSON}
        credential = f"the token in {token_env}" if token_env else "its SCIM token"
        self._vendor = Vendor(app_name, "the SCIM service", credential)
        self._page_size = page_size
        self._timeout = timeout
        self._now = now

    def list_seats(self) -> list[SeatRecord]:
        """Every active User, with its tier, across all pages."""
        members = self._tier_members() if self.tiers_as == "groups" else {}
        return [
            SeatRecord(
                email=_email_of(user),
                tier=self._tier_of(user, members),
                assigned_on=_created_on(user),
            )
            for user in self._pages("/Users")
            if user.get("active") is not False
        ]

    def assign(self, who: Assignee, tier: str) -> None:
        """Create or re-activate the User and put them on `tier` only."""
        group = self._tier_group(tier) if self.tiers_as == "groups" else None
        user = self._find_user(who.email) or self._create_user(who, tier)
        reactivate = [_replace("active", True)] if user.get("active") is False else []
        self._settle(user, tier, group, reactivate)

    def revoke(self, who: Assignee) -> None:
        """Deactivate the User; nothing to do if they are missing or already inactive."""
        user = self._find_user(who.email)
        if user is not None and user.get("active") is not False:
            self._patch("/Users", user, [_replace("active", False)])

    def change_tier(self, who: Assignee, tier: str) -> None:
        """Move the User to `tier`, leaving their other tier."""
        if self.tiers_as == "none":
            raise Rejected(f"{self.app_name}: seats at the SCIM service have no tiers to change")
        group = self._tier_group(tier) if self.tiers_as == "groups" else None
        user = self._find_user(who.email)
        if user is None:
            raise UnknownUser(f"{self.app_name}: the SCIM service has no user {who.email}")
        self._settle(user, tier, group, [])

    def contract(self) -> ContractFigures | None:
        """SCIM exposes no contract figures."""
        return None

    def check(self) -> str:
        """Read the service configuration, count users and find the tier groups."""
        features = self._features(self._call("GET", "/ServiceProviderConfig"))
        users = self._call("GET", "/Users", params={"startIndex": 1, "count": 1})
        if self.tiers_as == "groups":
            missing = [tier for tier in self.tiers if self._find_group(tier) is None]
            if missing:
                raise Rejected(self._no_group_message(", ".join(missing)))
        tiers = f" ({', '.join(self.tiers)})" if self.tiers else ""
        return (
            f"SCIM 2.0 at {urlsplit(self._base).netloc}: {users.get('totalresults')} users; "
            f"tiers as {self.tiers_as}{tiers}; supports {', '.join(features) or 'nothing'}"
        )

    def _features(self, config: Resource) -> list[str]:
        supported = {name: (config.get(name) or {}).get("supported") for name in FEATURES}
        for needed in ("patch", "filter"):
            if supported[needed] is False:
                raise Rejected(f"{self.app_name}: the SCIM service does not support {needed}")
        return [name for name in FEATURES if supported[name]]

    def _settle(
        self, user: Resource, tier: str, group: Resource | None, ops: list[Operation]
    ) -> None:
        if self.tiers_as == "roles":
            ops = [*ops, *self._role_ops(user, tier)]
        self._patch("/Users", user, ops)
        if group is not None:
            if not _is_member(group, user):
                self._patch("/Groups", group, [_add_member(user)])
            self._leave_other_tiers(user, tier)

    def _role_ops(self, user: Resource, tier: str) -> list[Operation]:
        roles = [role for role in user.get("roles") or [] if isinstance(role, dict)]
        if self._role_tier(user) == tier and len(roles) == 1:
            return []
        return [_replace("roles", [{"value": tier, "primary": True}])]

    def _leave_other_tiers(self, user: Resource, tier: str) -> None:
        for other in self.tiers:
            group = self._find_group(other) if other != tier else None
            if group is not None and _is_member(group, user):
                self._patch("/Groups", group, [_remove_member(user)])

    def _tier_group(self, tier: str) -> Resource:
        group = self._find_group(tier)
        if group is None:
            raise Rejected(self._no_group_message(tier))
        return group

    def _no_group_message(self, names: str) -> str:
        return (
            f"{self.app_name}: the SCIM service has no group named {names}; "
            "create it there or change the tier keys to match its groups"
        )

    def _tier_members(self) -> dict[str, str]:
        groups = [self._find_group(t) for t in self.tiers] if self.tiers else self._pages("/Groups")
        found: dict[str, str] = {}
        for group in groups:
            tier = self._tier_key(str((group or {}).get("displayname")))
            for member in (group or {}).get("members") or []:
                found.setdefault(str(member.get("value")), tier)
        return found

    def _tier_key(self, name: str) -> str:
        """The tier key a vendor's group or role name stands for (names match in any case)."""
        return {t.casefold(): t for t in self.tiers}.get(name.casefold(), name)

    def _tier_of(self, user: Resource, members: dict[str, str]) -> str | None:
        if self.tiers_as == "none":
            return self.tiers[0]
        if self.tiers_as == "roles":
            return self._role_tier(user)
        if str(user.get("id")) in members:
            return members[str(user.get("id"))]
        names = [
            self._tier_key(str(g.get("display")))
            for g in user.get("groups") or []
            if g.get("display")
        ]
        return next((n for n in names if not self.tiers or n in self.tiers), None)

    def _role_tier(self, user: Resource) -> str | None:
        roles = [role for role in user.get("roles") or [] if isinstance(role, dict)]
        roles.sort(key=lambda role: role.get("primary") is not True)
        values = [self._tier_key(str(role.get("value"))) for role in roles if role.get("value")]
        return next((v for v in values if not self.tiers or v in self.tiers), None)

    def _find_user(self, email: str) -> Resource | None:
        users = self._search("/Users", _eq("userName", email))
        if not any(_matches(user, email) for user in users):
            try:
                users = self._search("/Users", _eq("emails.value", email))
            except HttpRejected as exc:
                if exc.status != 400:
                    raise
        return next((user for user in users if _matches(user, email)), None)

    def _find_group(self, name: str) -> Resource | None:
        groups = self._search("/Groups", _eq("displayName", name))
        wanted = name.casefold()
        return next((g for g in groups if str(g.get("displayname")).casefold() == wanted), None)

    def _create_user(self, who: Assignee, tier: str) -> Resource:
        body: Resource = {
            "schemas": [USER_SCHEMA],
            "userName": who.email,
            "emails": [{"value": who.email, "primary": True, "type": "work"}],
            "active": True,
        }
        if who.name:
            body["displayName"] = who.name
            body["name"] = _name(who.name)
        if self.tiers_as == "roles":
            body["roles"] = [{"value": tier, "primary": True}]
        try:
            created = self._call("POST", "/Users", body=body)
        except HttpRejected as exc:
            if exc.status != 409:
                raise
            created = {}
        user = created if created.get("id") else self._find_user(who.email)
        if user is None:
            raise Rejected(f"{self.app_name}: the SCIM service did not create {who.email}")
        return user

    def _search(self, endpoint: str, query: str) -> list[Resource]:
        return list(self._call("GET", endpoint, params={"filter": query}).get("resources") or [])

    def _pages(self, endpoint: str) -> Iterator[Resource]:
        start = 1
        while True:
            params: dict[str, str | int] = {"startIndex": start, "count": self._page_size}
            page = self._call("GET", endpoint, params=params)
            resources = page.get("resources") or []
            yield from resources
            start += len(resources)
            total = page.get("totalresults")
            if not resources or (isinstance(total, int) and start > total):
                return
            if not isinstance(total, int) and len(resources) < self._page_size:
                return

    def _patch(self, endpoint: str, resource: Resource, ops: list[Operation]) -> None:
        if ops:
            body = {"schemas": [PATCH_SCHEMA], "Operations": ops}
            version = (resource.get("meta") or {}).get("version")
            self._call("PATCH", f"{endpoint}/{resource['id']}", body=body, version=version)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str | int] | None = None,
        body: Resource | None = None,
        version: str | None = None,
    ) -> Resource:
        headers = dict(self._auth)
        if body is not None:
            headers["Content-Type"] = SCIM_JSON
        if version:
            headers["If-Match"] = version
        response = send(
            self._client,
            self._vendor,
            method,
            self._base + path,
            headers=headers,
            params=params,
            json=body,
            timeout=self._timeout,
            now=self._now,
        )
        # RFC 7643 §2.1: attribute names are case-insensitive, so read them lower-cased.
        return json_body(response, self._vendor, lower_keys=True)


def _eq(attribute: str, value: str) -> str:
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{attribute} eq "{quoted}"'


def _emails(user: Resource) -> list[str]:
    emails = [e for e in user.get("emails") or [] if isinstance(e, dict) and e.get("value")]
    emails.sort(key=lambda e: e.get("primary") is not True)
    return [str(e["value"]) for e in emails]


def _matches(user: Resource, email: str) -> bool:
    wanted = email.casefold()
    names = [str(user.get("username", "")), *_emails(user)]
    return any(name.casefold() == wanted for name in names)


def _email_of(user: Resource) -> str:
    user_name = str(user.get("username", ""))
    if "@" in user_name:
        return user_name.lower()
    return next(iter(_emails(user)), user_name).lower()


def _created_on(user: Resource) -> dt.date | None:
    created = (user.get("meta") or {}).get("created")
    try:
        return dt.datetime.fromisoformat(str(created)).date() if created else None
    except ValueError:
        return None


def _name(full: str) -> dict[str, str]:
    given, _, family = full.strip().partition(" ")
    name = {"formatted": full, "givenName": given}
    return {**name, "familyName": family.strip()} if family.strip() else name


def _is_member(group: Resource, user: Resource) -> bool:
    return any(str(m.get("value")) == str(user["id"]) for m in group.get("members") or [])


def _add_member(user: Resource) -> Operation:
    return {"op": "add", "path": "members", "value": [{"value": user["id"]}]}


def _remove_member(user: Resource) -> Operation:
    return {"op": "remove", "path": f'members[value eq "{user["id"]}"]'}


def _replace(path: str, value: Any) -> Operation:
    return {"op": "replace", "path": path, "value": value}


def from_config(
    app: AppConfig, config: ScimConfig, *, client: httpx.Client, env: Mapping[str, str]
) -> ScimConnector:
    """A SCIM connector for `app`, its bearer token read from `config.token_env`."""
    return ScimConnector(
        app.key,
        app.name,
        config.base_url,
        read_secret(app, config.token_env, env, "SCIM token"),
        client,
        config.tiers_as_for([tier.key for tier in app.tiers]),
        token_env=config.token_env,
        tiers=[tier.key for tier in app.tiers],
        timeout=config.timeout_seconds,
    )
