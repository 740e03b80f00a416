"""GitHub Copilot Business/Enterprise seats of one organisation (REST API version 2022-11-28).

The "Copilot user management" endpoints this connector uses::

    GET    /orgs/{org}/copilot/billing                 plan and seat breakdown → check(), contract()
    GET    /orgs/{org}/copilot/billing/seats           seats, by page/per_page  → list_seats()
    POST   /orgs/{org}/copilot/billing/selected_users  {"selected_usernames"}   → assign()
    DELETE /orgs/{org}/copilot/billing/selected_users  {"selected_usernames"}   → revoke()

Identity: a seat belongs to a GitHub *login*; Seatkeeper knows people by email. `list_seats`,
`check` and `assign`/`revoke` by email first read the org's login <-> email links, once per call
(GraphQL `POST /graphql`, see `connectors.github_identity`; so the token also needs `read:org`).
A seat is keyed by its linked email, else by its lower-cased login. An email no login is linked
to is `UnknownUser`: nothing is guessed from names. A `who.email` without "@" is a login this
connector listed, used as it is.

A revoked seat is not gone at once: GitHub keeps it, with a `pending_cancellation_date`, to the
end of the billing cycle; that date is `SeatRecord.ends_on`. The plan is organisation-wide, so
`change_tier` is `NotSupported`, and a seat's tier is its `plan_type` when the app has a tier of
that key, else None.

How failures map onto `workflows.ports` (`connectors.http.send` maps them; GitHub signals rate
limits in headers, on 403 as well as 429, and this module's hooks read those and word refusals)::

    transport error, timeout, 5xx, 408/412 →  Retryable
    403/429 with x-ratelimit-remaining: 0  →  Retryable, retry_after = x-ratelimit-reset - now
    403/429 with Retry-After (secondary)   →  Retryable, retry_after = Retry-After
    401                                    →  Rejected, naming the app and the token variable
    403 otherwise                          →  Rejected: the token needs manage_billing:copilot
    404 on selected_users                  →  UnknownUser
    422 (Copilot off, seat policy)         →  HttpRejected with GitHub's message
    GraphQL "errors" (HTTP 200)            →  Rejected with GitHub's messages; a RATE_LIMIT(ED)
                                              error is Retryable until x-ratelimit-reset
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from typing import Any, Literal

import httpx
from pydantic import Field

from connectors import github_identity as identity
from connectors.credentials import read_secret
from connectors.github_identity import GraphQLErrors, Identities
from connectors.http import (
    Clock,
    HttpRejected,
    Vendor,
    json_body,
    quoted,
    retry_after_seconds,
    send,
    utc_now,
)
from workflows.catalog import AppConfig, ConnectorConfig
from workflows.ports import (
    Assignee,
    ContractFigures,
    NotSupported,
    Rejected,
    Retryable,
    SeatRecord,
    UnknownUser,
)

API_VERSION = "2022-11-28"
MAX_PER_PAGE = 100
LAST_ACTIVITY = "last Copilot activity"  # a seat's `last_activity_at`, in its holder's words
# Logins are letters, digits and single inner hyphens; Enterprise Managed Users add "_shortcode".
LOGIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_-]{0,37}[A-Za-z0-9])?$")
Json = dict[str, Any]


class GitHubCopilotConfig(ConnectorConfig):
    """`{type: github_copilot}`: the organisation and the variable holding an owner's token."""

    type: Literal["github_copilot"]
    org: str
    token_env: str
    api_url: str = "https://api.github.com"
    timeout_seconds: float = Field(default=20, gt=0)


class GitHubCopilotConnector:
    """Assign and revoke Copilot seats of one GitHub organisation."""

    manual: bool = False
    billed_to_cycle_end: bool = True

    def __init__(
        self,
        app_key: str,
        app_name: str,
        org: str,
        token: str,
        client: httpx.Client,
        *,
        token_env: str | None = None,
        api_url: str = "https://api.github.com",
        tiers: Collection[str] = (),
        page_size: int = MAX_PER_PAGE,
        timeout: float | None = None,
        now: Clock = utc_now,
    ) -> None:
        self.app_key = app_key
        self.app_name = app_name
        self.org = org
        self.tiers = tuple(tiers)
        self._client = client
        self._base = api_url.rstrip("/")
        self._graphql_url = identity.graphql_url(self._base)
        self._token = token
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        self._credential = f"the token in {token_env}" if token_env else "its GitHub token"
        self._vendor = Vendor(app_name, "GitHub", self._credential)
        self._page_size = max(1, min(page_size, MAX_PER_PAGE))
        self._timeout = timeout
        self._now = now

    def list_seats(self) -> list[SeatRecord]:
        """Every billed seat (pending cancellations included), keyed by its linked email."""
        seats = self._seats()
        identities = self.identities() if seats else Identities(identity.NONE)
        return [self._record(identities.email_of(login) or login, s) for login, s in seats.items()]

    def assign(self, who: Assignee, tier: str) -> None:
        """Add `who` to the Copilot subscription; a seat they already hold stays as it is."""
        login = self.login_for(who)
        self._call("POST", self._selected_users(), body={"selected_usernames": [login]}, who=login)

    def revoke(self, who: Assignee) -> None:
        """Cancel `who`'s seat; GitHub keeps it until the end of the billing cycle."""
        login = self.login_for(who)
        self._call(
            "DELETE", self._selected_users(), body={"selected_usernames": [login]}, who=login
        )

    def change_tier(self, who: Assignee, tier: str) -> None:
        """Copilot's plan is organisation-wide: one person cannot move to another tier."""
        raise NotSupported(
            f"{self.app_name}: the Copilot plan is set for the whole organisation {self.org}; "
            f"moving {who.email} to {tier} is done by changing the plan on GitHub"
        )

    def contract(self) -> ContractFigures | None:
        """Seats billed this cycle (`seat_breakdown.total`); Copilot has no prepaid count."""
        total = (self._billing().get("seat_breakdown") or {}).get("total")
        return ContractFigures(seats=None, assigned=total if isinstance(total, int) else None)

    def check(self) -> str:
        """Read the subscription, its seats and the org's identities; say what Seatkeeper can do."""
        billing = self._billing()
        plan = billing.get("plan_type")
        total = (billing.get("seat_breakdown") or {}).get("total")
        text = f"GitHub Copilot{f' ({plan})' if plan else ''} for org {self.org}: {total} seats"
        setting = billing.get("seat_management_setting")
        if setting != "assign_selected":
            text += (
                f"; seat management is {setting}, so Seatkeeper cannot assign or revoke seats: "
                "set Copilot access to selected members on GitHub"
            )
        logins = list(self._seats())
        identities = self.identities()
        matched = sum(1 for login in logins if identities.email_of(login))
        return f"{text}; {identity.describe(identities, matched, len(logins), self.org)}"

    def login_for(self, who: Assignee) -> str:
        """The GitHub login linked to `who.email` (or `who.email` itself when it is a login)."""
        if "@" not in who.email:
            if LOGIN.match(who.email):
                return who.email
            raise UnknownUser(f"{self.app_name}: {who.email!r} is neither an email nor a login")
        identities = self.identities()
        login = identities.login_of(who.email)
        if login is None:
            raise identity.unlinked(self.app_name, self.org, who.email, identities)
        return login

    def identities(self) -> Identities:
        """The org's login <-> email links, read afresh (one GraphQL page per 100 people)."""
        try:
            return identity.read_identities(self._graphql, self.org, self._quote, self._page_size)
        except GraphQLErrors as errors:
            raise identity.refusal(errors, self.app_name, self.org, self._credential) from None

    def _record(self, key: str, seat: Json) -> SeatRecord:
        plan = seat.get("plan_type")
        last = _day(seat.get("last_activity_at"))
        return SeatRecord(
            email=key,
            tier=plan if plan in self.tiers else None,
            assigned_on=_day(seat.get("created_at")),
            last_active_on=last,
            ends_on=_day(seat.get("pending_cancellation_date")),
            activity=LAST_ACTIVITY if last else None,
        )

    def _seats(self) -> dict[str, Json]:
        """Every seat, by lower-cased login, read page by page."""
        seats: dict[str, Json] = {}
        page, read = 1, 0
        while True:
            params = {"per_page": self._page_size, "page": page}
            response = self._call("GET", f"/orgs/{self.org}/copilot/billing/seats", params=params)
            body = json_body(response, self._vendor)
            found = [seat for seat in body.get("seats") or [] if isinstance(seat, dict)]
            for seat in found:
                login = str((seat.get("assignee") or {}).get("login") or "").lower()
                if login:
                    seats.setdefault(login, seat)
            read += len(found)
            total = body.get("total_seats")
            more = "next" in response.links or (isinstance(total, int) and read < total)
            if not found or not more:
                return seats
            page += 1

    def _graphql(self, query: str, variables: Json) -> Json:
        body = {"query": query, "variables": variables}
        response = self._call("POST", "", body=body, graphql=True)
        answer = json_body(response, self._vendor)
        if identity.rate_limited(answer):
            wait = self._reset_wait(response)
            raise Retryable(f"{self.app_name}: GitHub's GraphQL rate limit reached", wait)
        return answer

    def _billing(self) -> Json:
        return json_body(self._call("GET", f"/orgs/{self.org}/copilot/billing"), self._vendor)

    def _selected_users(self) -> str:
        return f"/orgs/{self.org}/copilot/billing/selected_users"

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Json | None = None,
        who: str | None = None,
        graphql: bool = False,
    ) -> httpx.Response:
        # GraphQL takes the token alone: the REST media type and version headers are not its own.
        headers = {"Authorization": self._headers["Authorization"]} if graphql else self._headers
        return send(
            self._client,
            self._vendor,
            method,
            self._graphql_url if graphql else self._base + path,
            headers=headers,
            params=params,
            json=body,
            timeout=self._timeout,
            now=self._now,
            retry_after=self._rate_limit_wait,
            refused=lambda response, detail: self._refusal(response, detail, who),
        )

    def _refusal(self, response: httpx.Response, detail: str, who: str | None) -> Rejected | None:
        """GitHub's words for a 401, 403 or 404; other refusals keep `send`'s."""
        status = response.status_code
        said = f": {detail}" if detail else ""
        call = f"{response.request.method} {response.request.url.path}"
        prefix = f"{self.app_name}: GitHub"
        if status == 401:
            return Rejected(
                f"{prefix} refused {self._credential} (HTTP 401{said}); "
                "check that it is valid and not expired"
            )
        if status == 403:
            need = (
                "the read:org scope (classic token) to read the organisation's identities"
                if call.endswith("graphql")
                else "the manage_billing:copilot scope (classic token) or the organisation "
                "permission 'GitHub Copilot Business', read and write (fine-grained token)"
            )
            return Rejected(
                f"{prefix} refused {call} for {self._credential} (HTTP 403{said}); it needs "
                f"{need}, and must belong to an owner of {self.org}"
            )
        if status == 404 and who is not None:
            return UnknownUser(f"{prefix} has no user {who} in the organisation {self.org}{said}")
        if status == 404:
            message = f"{prefix} found no {call} (HTTP 404); check the organisation {self.org}"
            return HttpRejected(message, status=status, detail=detail)
        return None

    def _rate_limit_wait(self, response: httpx.Response) -> float | None:
        """A 403/429 is a rate limit when GitHub says how long to wait (reset or Retry-After)."""
        if response.status_code not in (403, 429):
            return None
        if response.headers.get("x-ratelimit-remaining") == "0":
            return self._reset_wait(response)
        return retry_after_seconds(response.headers.get("Retry-After"), self._now())

    def _reset_wait(self, response: httpx.Response) -> float | None:
        """Seconds until x-ratelimit-reset, else what Retry-After asks, else None."""
        try:
            reset = float(response.headers["x-ratelimit-reset"])
        except (KeyError, ValueError):
            return retry_after_seconds(response.headers.get("Retry-After"), self._now())
        return max(0.0, reset - self._now().timestamp())

    def _quote(self, text: str) -> str:
        return quoted(text, [self._token])


def _day(value: object) -> dt.date | None:
    """The UTC day of a GitHub timestamp or date string, else None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.astimezone(dt.UTC).date() if when.tzinfo else when.date()


def from_config(
    app: AppConfig,
    config: GitHubCopilotConfig,
    *,
    client: httpx.Client,
    env: Mapping[str, str],
) -> GitHubCopilotConnector:
    """A Copilot connector for `app`, its token read from `config.token_env`."""
    return GitHubCopilotConnector(
        app.key,
        app.name,
        config.org,
        read_secret(app, config.token_env, env, "GitHub token (manage_billing:copilot, read:org)"),
        client,
        token_env=config.token_env,
        api_url=config.api_url,
        tiers=[tier.key for tier in app.tiers],
        timeout=config.timeout_seconds,
    )
