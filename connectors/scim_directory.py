"""SCIM 2.0 as a directory source: ``/Users`` with the enterprise department and manager."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx

from connectors.http import Clock, Vendor, json_body, send, utc_now
from workflows.csvfile import EMAIL
from workflows.ports import PersonRecord

Resource = dict[str, Any]
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".lower()


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
