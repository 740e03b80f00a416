"""Listing and searching Users: a filter, a page, and only the people the filter can match.

A filter that pins an indexed attribute (`id`, `userName`, `emails.value` or `externalId` eq
a string, alone or in an `and`) reads just the people that have it, which is what identity
providers send before each create; any other filter is matched against every User.
Without a filter only the page asked for is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from workflows.catalog import Config
from workflows.model import Person
from workflows.ports import Clock, UnitOfWork
from workflows.scim import LIST_RESPONSE, USER
from workflows.scim_directory import Pusher
from workflows.scim_filter import Compare, Filter, Logical, parse_filter
from workflows.scim_users import projected, user_resource

MAX_RESULTS = 200  # a page of a listing, and the most a filter returns at once


@dataclass(frozen=True)
class ListUsers:
    """A page of the Users a filter selects (all when None), 1-based."""

    pusher: Pusher
    filter: str | None = None
    start: int = 1
    count: int = MAX_RESULTS
    attributes: Sequence[str] = ()
    excluded: Sequence[str] = ()


def list_users(cmd: ListUsers, *, uow: UnitOfWork, config: Config, clock: Clock) -> dict[str, Any]:
    """A ListResponse: the page of Users the filter selects, and how many it selects in all."""
    start, count = max(cmd.start, 1), min(max(cmd.count, 0), MAX_RESULTS)
    if not cmd.filter:
        people, total = uow.people.undeleted_page(start - 1, count)
        page = _resources(people, cmd, uow)
    else:
        where = parse_filter(cmd.filter)
        found = _narrowed(where, uow)
        people = sorted(
            (p for p in (uow.people.all() if found is None else found) if p.deleted_at is None),
            key=lambda p: p.id or 0,
        )
        selected = [r for r in _resources(people, cmd, uow) if where.matches(r)]
        total, page = len(selected), selected[start - 1 : start - 1 + count]
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(page),
        "Resources": [projected(r, list(cmd.attributes), list(cmd.excluded)) for r in page],
    }


def _resources(people: list[Person], cmd: ListUsers, uow: UnitOfWork) -> list[dict[str, Any]]:
    managers = {p.email: p for p in people}
    wanted = {p.manager_email for p in people if p.manager_email} - set(managers)
    managers |= {p.email: p for p in uow.people.by_emails(wanted)}
    return [user_resource(person, cmd.pusher.base, managers) for person in people]


def _narrowed(where: Filter, uow: UnitOfWork) -> list[Person] | None:
    """The only people `where` can match, when an index says; None: it could be anyone."""
    if isinstance(where, Logical) and where.op == "and":
        left = _narrowed(where.left, uow)
        return left if left is not None else _narrowed(where.right, uow)
    if not (isinstance(where, Compare) and where.op == "eq" and isinstance(where.value, str)):
        return None
    path, value = where.path, where.value
    name = ".".join(part for part in (path.attr, path.sub) if part).lower()
    if path.schema != USER:
        return None
    if name in ("username", "emails.value", "emails"):
        return _present([uow.people.by_email(value)])
    if name == "externalid":
        return uow.people.by_external_id(value)
    if name == "id":
        small = value.isascii() and value.isdigit() and len(value) < 12
        return _present([uow.people.by_id(int(value))]) if small else []
    return None


def _present(people: Iterable[Person | None]) -> list[Person]:
    return [person for person in people if person is not None]
