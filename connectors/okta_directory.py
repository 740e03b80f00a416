"""Okta as a directory source: users, their managers and departments; gone ones are leavers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from connectors.okta_api import GONE, OktaApi, Resource
from workflows.csvfile import EMAIL
from workflows.ports import PersonRecord


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
