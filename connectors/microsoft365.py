"""Microsoft 365 licences through Microsoft Graph v1.0, with application permissions.

A seat is a licence of a mapped SKU (`skus`: tier key → skuPartNumber) held by a user. The app
registration needs User.Read.All, LicenseAssignment.ReadWrite.All and AuditLog.Read.All (last
sign-in; that also needs Entra ID P1, else seats come without last activity), admin-consented.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Mapping
from typing import Any, Literal
from urllib.parse import quote, urlsplit

import httpx
from pydantic import Field

from connectors.credentials import read_secret
from connectors.http import Clock, HttpRejected, Vendor, json_body, send, utc_now
from connectors.oauth import ClientCredentials, client_credentials
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

# What the connector selects and reads; the contract tests check these against Graph's CSDL.
# licenseAssignmentStates carries lastUpdatedDateTime, the nearest Graph has to an assigned date.
USER_FIELDS = ("id", "userPrincipalName", "mail", "assignedLicenses", "licenseAssignmentStates")
SIGN_IN = "signInActivity"
LAST_SIGN_IN = "last sign-in"  # what a seat's last activity is: a sign-in to Microsoft Entra ID
# In order of preference: lastSuccessful… covers interactive and non-interactive sign-ins.
SIGN_IN_DATES = (
    "lastSuccessfulSignInDateTime",
    "lastSignInDateTime",
    "lastNonInteractiveSignInDateTime",
)
SKU_FIELDS = ("skuId", "skuPartNumber", "prepaidUnits", "consumedUnits")
# Advanced queries (lambda filters, signInActivity) need both of these on every page.
EVENTUAL = {"ConsistencyLevel": "eventual"}
PERMISSIONS = "User.Read.All, LicenseAssignment.ReadWrite.All and AuditLog.Read.All"
User = dict[str, Any]


class Microsoft365Config(ConnectorConfig):
    """`{type: microsoft365}`: an app registration of one tenant, with a client secret.

    `skus` maps each tier key to a `skuPartNumber` (e.g. ENTERPRISEPACK) of the tenant.
    """

    type: Literal["microsoft365"]
    tenant_id: str
    client_id: str
    client_secret_env: str
    skus: dict[str, str]
    graph_url: str = "https://graph.microsoft.com/v1.0"
    login_url: str = "https://login.microsoftonline.com"
    timeout_seconds: float = Field(default=20, gt=0)

    def tier_keys(self) -> dict[str, list[str]]:
        """The tiers `skus` maps."""
        return {"skus": list(self.skus)}

    def tiers_problem(self, tiers: list[str]) -> ConfigValueError | None:
        """A tier without a SKU could be approved but never assigned."""
        return tiers_missing_from("skus", self.skus, tiers)


class Microsoft365Connector:
    """Assign and reclaim Microsoft 365 licences of one tenant."""

    manual: bool = False
    billed_to_cycle_end: bool = False

    def __init__(
        self,
        app_name: str,
        config: Microsoft365Config,
        tokens: TokenSource,
        client: httpx.Client,
        *,
        page_size: int = 999,
        now: Clock = utc_now,
    ) -> None:
        self.app_name = app_name
        self.tenant_id = config.tenant_id
        self.skus = dict(config.skus)
        self._base = config.graph_url.rstrip("/")
        self._tokens = tokens
        needs = f"it needs the application permissions {PERMISSIONS}, with admin consent"
        self._vendor = Vendor(app_name, "Microsoft Graph", f"app {config.client_id} ({needs})")
        self._send = functools.partial(
            send, client, self._vendor, timeout=config.timeout_seconds, now=now
        )
        self._page_size = page_size
        self._sku_ids: dict[str, str] | None = None  # tier → skuId; skuIds never change

    def list_seats(self) -> list[SeatRecord]:
        """Every user holding a mapped SKU, with tier, licence date and last sign-in."""
        sku_ids = self._tier_skus()
        try:
            users = self._licensed_users(sku_ids, sign_in=True)
        except Rejected as exc:
            # signInActivity needs AuditLog.Read.All and Entra ID P1; Graph's 403 names neither.
            if exc.status != 403:
                raise
            users = self._licensed_users(sku_ids, sign_in=False)
        return [_record(user, sku_ids) for user in users]

    def assign(self, who: Assignee, tier: str) -> None:
        """Give `who` the tier's licence; nothing to do if they already hold it."""
        sku_id = self._sku_for(tier)
        self._settle(self._known(who), who, add=sku_id, drop=set())

    def revoke(self, who: Assignee) -> None:
        """Remove every mapped licence `who` holds; nothing to do if none or no such user."""
        user = self._user(who)
        if user is not None:
            self._settle(user, who, add=None, drop=set(self._tier_skus().values()))

    def change_tier(self, who: Assignee, tier: str) -> None:
        """Add the new tier's licence and remove the other mapped ones in one call."""
        sku_id = self._sku_for(tier)
        others = set(self._tier_skus().values()) - {sku_id}
        self._settle(self._known(who), who, add=sku_id, drop=others)

    def contract(self) -> ContractFigures:
        """Prepaid (enabled) and consumed units, summed over the mapped SKUs."""
        units = [_units(sku) for sku in self._mapped_skus()]
        return ContractFigures(seats=sum(u[1] for u in units), assigned=sum(u[0] for u in units))

    def check(self) -> str:
        """Get a token, read the tenant's SKUs (naming any it lacks) and try reading sign-ins."""
        figures = ", ".join(
            f"{sku.get('skuPartNumber')} {'/'.join(map(str, _units(sku)))}"
            for sku in self._mapped_skus()
        )
        return (
            f"Microsoft Graph: tenant {self.tenant_id}, SKUs {figures or 'none mapped'}; "
            f"{self._sign_in_note()}"
        )

    def _sign_in_note(self) -> str:
        params: dict[str, str | int] = {"$select": f"id,{SIGN_IN}", "$top": 1}
        try:
            self._call("GET", self._base + "/users", params=params, headers=EVENTUAL)
        except Rejected as exc:
            if exc.status != 403:
                raise
            return "last sign-in unavailable (needs AuditLog.Read.All and Entra ID P1)"
        return "last sign-in readable"

    def _licensed_users(self, sku_ids: Mapping[str, str], *, sign_in: bool) -> list[User]:
        fields = USER_FIELDS + ((SIGN_IN,) if sign_in else ())
        users: dict[str, User] = {}
        for sku_id in dict.fromkeys(sku_ids.values()):
            params: dict[str, str | int] = {
                "$select": ",".join(fields),
                "$filter": f"assignedLicenses/any(x:x/skuId eq {sku_id})",
                "$count": "true",
                "$top": self._page_size,
            }
            for user in self._pages("/users", params):
                users.setdefault(str(user.get("id")), user)
        return list(users.values())

    def _pages(self, path: str, params: dict[str, str | int]) -> Iterator[User]:
        url: str | None = self._base + path
        query: dict[str, str | int] | None = params
        while url:
            page = self._call("GET", url, params=query, headers=EVENTUAL)
            yield from page.get("value") or []
            url, query = page.get("@odata.nextLink"), None  # the link carries the whole query
            if url and urlsplit(url).netloc != urlsplit(self._base).netloc:
                raise Rejected(f"{self.app_name}: Microsoft Graph sent a next page on {url}")

    def _mapped_skus(self) -> list[dict[str, Any]]:
        by_name = {
            str(sku.get("skuPartNumber")).upper(): sku
            for sku in self._call("GET", self._base + "/subscribedSkus").get("value") or []
        }
        missing = [name for name in self.skus.values() if name.upper() not in by_name]
        if missing:
            raise Rejected(
                f"{self.app_name}: tenant {self.tenant_id} has no subscription to "
                f"{', '.join(missing)}; fix the skuPartNumber in skus or buy the licences"
            )
        mapped = [by_name[name.upper()] for name in dict.fromkeys(self.skus.values())]
        self._sku_ids = {t: _sku_id(by_name[name.upper()]) for t, name in self.skus.items()}
        return mapped

    def _tier_skus(self) -> dict[str, str]:
        if self._sku_ids is None:
            self._mapped_skus()
        return self._sku_ids or {}

    def _sku_for(self, tier: str) -> str:
        sku_ids = self._tier_skus()
        if tier not in sku_ids:
            raise Rejected(f"{self.app_name}: tier {tier} has no SKU in the connector's skus")
        return sku_ids[tier]

    def _known(self, who: Assignee) -> User:
        user = self._user(who)
        if user is None:
            raise UnknownUser(f"{self.app_name}: tenant {self.tenant_id} has no user {who.email}")
        return user

    def _user(self, who: Assignee) -> User | None:
        """The user whose userPrincipalName, or else whose mail, is `who.email`."""
        select = ",".join(USER_FIELDS)
        try:
            return self._call("GET", self._user_url(who.email), params={"$select": select})
        except HttpRejected as exc:
            if exc.status != 404:
                raise
        quoted = who.email.replace("'", "''")  # OData doubles a quote inside a string
        params = {"$select": select, "$filter": f"mail eq '{quoted}'"}
        found = self._call("GET", self._base + "/users", params=params).get("value") or []
        return found[0] if found else None

    def _settle(self, user: User, who: Assignee, *, add: str | None, drop: set[str]) -> None:
        """One assignLicense call that adds `add` and removes `drop`, if anything changes."""
        adding = [add] if add and add not in _held(user) else []
        removing = sorted(drop & _direct(user))
        if adding or removing:
            self._assign_license(user, who, add=adding, remove=removing)
        self._refuse_inherited(user, who, drop - set(removing))

    def _assign_license(
        self, user: User, who: Assignee, *, add: list[str], remove: list[str]
    ) -> None:
        body = {
            "addLicenses": [{"skuId": sku, "disabledPlans": []} for sku in add],
            "removeLicenses": remove,
        }
        url = self._user_url(str(user.get("id"))) + "/assignLicense"
        try:
            self._call("POST", url, body=body)
        except HttpRejected as exc:
            error = UnknownUser if exc.status == 404 else Rejected  # deleted since we read it
            change = [f"+{self._name(s)}" for s in add] + [f"-{self._name(s)}" for s in remove]
            raise error(
                f"{self.app_name}: Microsoft Graph refused the licence change "
                f"{' '.join(change)} for {who.email}: {exc.detail}"
            ) from exc

    def _refuse_inherited(self, user: User, who: Assignee, sku_ids: set[str]) -> None:
        """Graph cannot remove a licence a group gives; a person has to change the group."""
        groups = {_sku_id(s): s.get("assignedByGroup") for s in _states(user)}
        left = sorted(
            f"{self._name(sku)} (group {groups[sku]})"
            for sku in sku_ids - _direct(user)
            if groups.get(sku)
        )
        if left:
            raise NotSupported(
                f"{self.app_name}: {who.email} gets {', '.join(left)} through group-based "
                "licensing; remove them from that group in Microsoft Entra"
            )

    def _name(self, sku_id: str) -> str:
        tiers = [tier for tier, sku in self._tier_skus().items() if sku == sku_id]
        return self.skus[tiers[0]] if tiers else sku_id

    def _user_url(self, key: str) -> str:
        return f"{self._base}/users/{quote(key, safe='@')}"

    def _call(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
        body: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        def request(token: str) -> dict[str, Any]:
            auth = {**(headers or {}), "Authorization": f"Bearer {token}"}
            response = self._send(method, url, headers=auth, params=params, json=body)
            return json_body(response, self._vendor)

        return self._tokens.call(request)


def _sku_id(item: Mapping[str, Any]) -> str:
    return str(item.get("skuId")).lower()  # GUIDs: compare them in one case


def _held(user: User) -> set[str]:
    return {_sku_id(lic) for lic in user.get("assignedLicenses") or []}


def _states(user: User) -> list[dict[str, Any]]:
    return [s for s in user.get("licenseAssignmentStates") or [] if isinstance(s, dict)]


def _direct(user: User) -> set[str]:
    """SKUs assigned to the user directly (a group's licence can only be removed there)."""
    states = _states(user)
    if not states:
        return _held(user)
    return {_sku_id(s) for s in states if not s.get("assignedByGroup")}


def _record(user: User, sku_ids: Mapping[str, str]) -> SeatRecord:
    held = _held(user)
    tier = next((tier for tier, sku in sku_ids.items() if sku in held), None)
    states = [s for s in _states(user) if tier is not None and _sku_id(s) == sku_ids[tier]]
    updated = [d for d in (_date(s.get("lastUpdatedDateTime")) for s in states) if d]
    activity = user.get(SIGN_IN) or {}
    # A successful sign-in wins; older tenants only have the interactive/non-interactive pair.
    others = [d for d in (_date(activity.get(name)) for name in SIGN_IN_DATES[1:]) if d]
    email = user.get("mail") or user.get("userPrincipalName") or ""
    last = _date(activity.get(SIGN_IN_DATES[0])) or max(others, default=None)
    return SeatRecord(
        email=str(email).lower(),
        tier=tier,
        assigned_on=min(updated, default=None),
        last_active_on=last,
        activity=LAST_SIGN_IN if last else None,
    )


def _date(value: Any) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(str(value)).date() if value else None
    except ValueError:
        return None


def _units(sku: Mapping[str, Any]) -> tuple[int, int]:
    """(consumed, prepaid enabled) units of one subscribed SKU."""
    enabled, consumed = (sku.get("prepaidUnits") or {}).get("enabled"), sku.get("consumedUnits")
    return (consumed or 0, enabled or 0) if isinstance(consumed, int) else (0, enabled or 0)


def from_config(
    app: AppConfig, config: Microsoft365Config, *, client: httpx.Client, env: Mapping[str, str]
) -> Microsoft365Connector:
    """A Microsoft 365 connector for `app`, its client secret read from `client_secret_env`."""
    graph = urlsplit(config.graph_url)
    credentials = ClientCredentials(
        token_url=f"{config.login_url.rstrip('/')}/{config.tenant_id}/oauth2/v2.0/token",
        client_id=config.client_id,
        client_secret=read_secret(app, config.client_secret_env, env, "Microsoft Entra secret"),
        scope=f"{graph.scheme}://{graph.netloc}/.default",  # national clouds have their own
        secret_env=config.client_secret_env,
        settings="tenant_id and client_id",
    )
    tokens = client_credentials(
        client, credentials, app_name=app.name, issuer="the tenant", timeout=config.timeout_seconds
    )
    return Microsoft365Connector(app.name, config, tokens, client)
