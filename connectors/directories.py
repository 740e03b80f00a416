"""Directory sources: where people, their managers and departments, and leavers come from.

One class per ``directory.source`` of the config, each a `workflows.ports.DirectorySource`:

    okta   Okta users (``/api/v1/users``, deprovisioned ones too), managers from ``managerId``
    scim   SCIM 2.0 ``/Users`` with the enterprise extension (department, manager)
    slack  Slack ``users.list`` (no managers or departments; bots skipped)
    csv    the people CSV (``email,name,slack_user_id,manager_email,department,active``)

`build_directory` picks one and reads its secret from the environment variable the config names.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from connectors.http import Clock, Vendor, json_body, send, utc_now
from connectors.okta import GONE, OktaApi, Sleep
from workflows.catalog import Directory
from workflows.people import parse_people
from workflows.ports import ConnectorError, DirectorySource, PersonRecord, Rejected, Retryable

Resource = dict[str, Any]
EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".lower()
SLACK_AUTH_ERRORS = frozenset(
    {"not_authed", "invalid_auth", "account_inactive", "token_revoked", "token_expired"}
)


class OktaDirectory:
    """People from Okta; a DEPROVISIONED or SUSPENDED user is a leaver."""

    provides_org = True

    def __init__(self, api: OktaApi) -> None:
        self._api = api

    def list_people(self) -> list[PersonRecord]:
        """Everyone in the org, leavers included, with managers resolved to emails."""
        users: dict[str, Resource] = {}
        # A plain listing omits DEPROVISIONED users; a filter is the documented way to get them.
        for params in ({}, {"filter": 'status eq "DEPROVISIONED"'}):
            users.update({str(u.get("id")): u for u in self._api.pages("/api/v1/users", params)})
        index = _okta_index(users.values())
        people = (_okta_person(user, index) for user in users.values())
        return [person for person in people if person is not None]

    def check(self) -> str:
        """Read one user: proves the org URL and the token."""
        self._api.call("GET", "/api/v1/users", params={"limit": 1})
        return f"Okta directory at {urlsplit(self._api.base).netloc}"


def _okta_email(user: Resource) -> str | None:
    profile = user.get("profile") or {}
    for value in (profile.get("email"), profile.get("login")):
        if isinstance(value, str) and EMAIL.match(value.strip()):
            return value.strip().lower()
    return None


def _okta_index(users: Iterable[Resource]) -> dict[str, str]:
    """Each user's id and login (case-folded) to their email, for resolving managers."""
    index: dict[str, str] = {}
    for user in users:
        email = _okta_email(user)
        if email is not None:
            login = str((user.get("profile") or {}).get("login") or "")
            index.update({str(user.get("id")): email, login.casefold(): email})
    return index


def _okta_person(user: Resource, index: Mapping[str, str]) -> PersonRecord | None:
    email = _okta_email(user)
    if email is None:
        return None
    profile = user.get("profile") or {}
    name = " ".join(str(profile.get(k) or "").strip() for k in ("firstName", "lastName")).strip()
    return PersonRecord(
        email=email,
        name=name or str(profile.get("displayName") or ""),
        manager_email=_okta_manager(profile, index),
        department=str(profile.get("department") or ""),
        active=user.get("status") not in GONE,
    )


def _okta_manager(profile: Resource, index: Mapping[str, str]) -> str | None:
    manager_id = str(profile.get("managerId") or "").strip()
    if manager_id:
        found = index.get(manager_id) or index.get(manager_id.casefold())
        if found:
            return found
        if EMAIL.match(manager_id):
            return manager_id.lower()
    manager = str(profile.get("manager") or "").strip()  # usually a display name
    return manager.lower() if EMAIL.match(manager) else None


class ScimDirectory:
    """People from a SCIM 2.0 service provider's ``/Users``."""

    provides_org = True

    def __init__(
        self,
        base_url: str,
        token: str,
        client: httpx.Client,
        *,
        token_env: str,
        page_size: int = 100,
        timeout: float | None = None,
        now: Clock = utc_now,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._client = client
        self._headers = {"Authorization": f"Bearer {token}", "Accept": "application/scim+json"}
        self._vendor = Vendor("Directory (scim)", "the SCIM service", f"the token in {token_env}")
        self._page_size = page_size
        self._timeout = timeout
        self._now = now

    def list_people(self) -> list[PersonRecord]:
        """Every User across all pages, managers resolved from ids to emails."""
        users = list(self._pages())
        emails = {str(user.get("id")): _scim_email(user) for user in users}
        people = (_scim_person(user, emails) for user in users)
        return [person for person in people if person.email]

    def check(self) -> str:
        """Count the users: proves the URL and the token."""
        page = self._get({"startIndex": 1, "count": 1})
        host = urlsplit(self._base).netloc
        return f"SCIM directory at {host}: {page.get('totalresults', '?')} users"

    def _pages(self) -> Iterator[Resource]:
        start = 1
        while True:
            page = self._get({"startIndex": start, "count": self._page_size})
            resources = [r for r in page.get("resources") or [] if isinstance(r, dict)]
            yield from resources
            start += len(resources)
            total = page.get("totalresults")
            if not resources or (isinstance(total, int) and start > total):
                return

    def _get(self, params: Mapping[str, str | int]) -> Resource:
        response = send(
            self._client,
            self._vendor,
            "GET",
            f"{self._base}/Users",
            headers=self._headers,
            params=params,
            timeout=self._timeout,
            now=self._now,
        )
        # RFC 7643 §2.1: attribute names are case-insensitive, so read them lower-cased.
        return json_body(response, self._vendor, lower_keys=True)


def _scim_email(user: Resource) -> str:
    emails = [e for e in user.get("emails") or [] if isinstance(e, dict) and e.get("value")]
    emails.sort(key=lambda e: e.get("primary") is not True)
    candidates = [str(e["value"]) for e in emails] + [str(user.get("username") or "")]
    return next((c.strip().lower() for c in candidates if EMAIL.match(c.strip())), "")


def _scim_person(user: Resource, emails: Mapping[str, str]) -> PersonRecord:
    extension = user.get(ENTERPRISE) or {}
    manager = extension.get("manager") or {}
    manager_id = str(manager.get("value") or "") if isinstance(manager, dict) else ""
    name = user.get("displayname") or (user.get("name") or {}).get("formatted") or ""
    return PersonRecord(
        email=_scim_email(user),
        name=str(name),
        manager_email=emails.get(manager_id) or None,
        department=str(extension.get("department") or ""),
        active=user.get("active") is not False,
    )


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
        self._url = api_url.rstrip("/") + "/"
        self._client = client
        self._headers = {"Authorization": f"Bearer {token}"}
        self._vendor = Vendor("Directory (slack)", "Slack", "the bot token in SLACK_BOT_TOKEN")
        self._page_size = page_size
        self._timeout = timeout
        self._now = now
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
        people = [_slack_person(member) for member in members]
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
        for attempt in range(1, self._attempts + 1):
            try:
                return self._call(params)
            except Retryable as exc:
                wait = exc.retry_after
                if attempt == self._attempts or wait is None or wait > self._max_pause:
                    raise
                self._sleep(wait)  # Slack said how long; a short wait keeps the cursor
        raise AssertionError("unreachable")  # pragma: no cover

    def _call(self, params: Mapping[str, str | int]) -> Resource:
        response = send(
            self._client,
            self._vendor,
            "POST",
            self._url + "users.list",
            headers=self._headers,
            params=params,
            timeout=self._timeout,
            now=self._now,
        )
        body = json_body(response, self._vendor)
        if body.get("ok") is True:
            return body
        error = str(body.get("error") or "unknown_error")
        prefix = f"{self._vendor.app_name}: Slack refused users.list ({error})"
        if error in SLACK_AUTH_ERRORS:
            raise Rejected(f"{prefix}; check {self._vendor.credential}")
        if error == "missing_scope":
            raise Rejected(f"{prefix}; the token needs {body.get('needed') or 'users:read'}")
        raise Rejected(prefix)


def _is_person(member: object) -> bool:
    if not isinstance(member, dict):
        return False
    return not member.get("is_bot") and member.get("id") != "USLACKBOT"


def _slack_person(member: Resource) -> PersonRecord | None:
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


class CsvDirectory:
    """People from the people CSV; any bad line refuses the whole file."""

    provides_org = True

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def list_people(self) -> list[PersonRecord]:
        """Every row of the file, or a ConnectorError listing every problem (file:line)."""
        try:
            text = self.path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConnectorError(f"Directory (csv): cannot read {self.path}: {exc}") from exc
        rows, problems = parse_people(text, str(self.path))
        if problems:
            listed = "; ".join(str(problem) for problem in problems)
            raise ConnectorError(f"Directory (csv): the people file has problems: {listed}")
        return [
            PersonRecord(
                email=row.email,
                name=row.name,
                slack_user_id=row.slack_user_id,
                manager_email=row.manager_email,
                department=row.department,
                active=row.active,
            )
            for row in rows
        ]

    def check(self) -> str:
        """Read and check the whole file."""
        return f"CSV directory {self.path}: {len(self.list_people())} people"


def build_directory(
    config: Directory,
    *,
    client: httpx.Client,
    env: Mapping[str, str],
    slack_token: str | None,
    slack_api_url: str,
) -> DirectorySource:
    """The directory source the config asks for, its secret read from `env`."""
    if config.source == "csv":
        if not config.path:
            raise ConnectorError("directory source csv needs path: the people CSV file")
        return CsvDirectory(config.path)
    if config.source == "slack":
        if not slack_token:
            raise ConnectorError("directory source slack needs the bot token in SLACK_BOT_TOKEN")
        return SlackDirectory(slack_token, client, api_url=slack_api_url)
    base_url, token_env = config.base_url or "", config.token_env or ""
    token = env.get(token_env, "").strip()
    if not (base_url and token):
        raise ConnectorError(
            f"directory source {config.source}: the environment variable {token_env or '?'} "
            f"is not set; put the {config.source} API token for the directory in it"
        )
    if config.source == "okta":
        vendor = Vendor("Directory (okta)", "Okta", f"the API token in {token_env}")
        return OktaDirectory(OktaApi(base_url, token, client, vendor))
    return ScimDirectory(base_url, token, client, token_env=token_env)
