"""Repositories: load and save domain objects in the unit of work's session. Never commit.

Each names its port (a Protocol in `workflows.ports`) as its base, so mypy holds it to it.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, String, func, select
from sqlalchemy.orm import Session

from store import tables
from store.catalog import catalog_lacks, write_catalog
from store.db import IN_CHUNK
from store.many import bound, bound_names, execute_values
from workflows import ports
from workflows.catalog import Config
from workflows.model import (
    DECIDABLE_STEP_STATUSES,
    OPEN_REQUEST_STATUSES,
    Person,
    Request,
    RequestStatus,
    Task,
    TaskStatus,
    normal_email,
)


class SqlRequestRepository(ports.RequestRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, request: Request) -> None:
        """Stage a new request (and its steps)."""
        self.session.add(request)

    def get(self, request_id: int, *, for_update: bool = False) -> Request | None:
        """The request with this id; `for_update` locks its row until commit."""
        query = select(Request).where(tables.requests.c.id == request_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(query).first()

    def open_for(self, requester: str, app_key: str, tier_key: str) -> Request | None:
        """The person's open request for this app and tier, if any."""
        c = tables.requests.c
        query = select(Request).where(
            c.requester == requester,
            c.app_key == app_key,
            c.tier_key == tier_key,
            c.status.in_(list(OPEN_REQUEST_STATUSES)),
        )
        return self.session.scalars(query).first()

    def with_status(
        self, *statuses: RequestStatus, app_key: str | None = None, for_update: bool = False
    ) -> list[Request]:
        """Requests in any of `statuses`, oldest first; `for_update` locks and re-reads them."""
        c = tables.requests.c
        query = select(Request).where(c.status.in_(list(statuses))).order_by(c.id)
        if app_key is not None:
            query = query.where(c.app_key == app_key)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return list(self.session.scalars(query))

    def count_with_status(
        self, app_key: str, *statuses: RequestStatus, tiers: Collection[str] | None = None
    ) -> int:
        """How many of the app's requests (on `tiers`, if given) are in any of `statuses`."""
        c = tables.requests.c
        query = select(func.count()).where(c.app_key == app_key, c.status.in_(list(statuses)))
        if tiers is not None:
            query = query.where(c.tier_key.in_(sorted(tiers)))
        return self.session.scalar(query) or 0

    def for_requester(self, requester: str, *, limit: int = 50) -> list[Request]:
        """The person's most recent requests, newest first."""
        c = tables.requests.c
        query = select(Request).where(c.requester == requester).order_by(c.id.desc())
        return list(self.session.scalars(query.limit(limit)))

    def count_for_requester(self, requester: str) -> int:
        """How many requests the person made."""
        query = select(func.count()).where(tables.requests.c.requester == requester)
        return self.session.scalar(query) or 0

    def waiting_on(self, approver: str, *, limit: int = 50) -> list[Request]:
        """Pending requests whose current step `approver` may decide, oldest first.

        Only the steps naming the approver are read, never every pending request of the
        organisation; the JSON text match is a coarse filter that the check below makes exact.
        """
        r = tables.requests.c
        query = select(Request).where(_waiting_on(approver)).order_by(r.id).limit(limit)
        found = []
        for request in self.session.scalars(query):
            step = request.current_step()
            if step is not None and approver in step.approvers:
                found.append(request)
        return found

    def count_waiting_on(self, approver: str) -> int:
        """How many pending requests `approver` may decide (one step at a time is decidable,
        and a Slack id in the JSON list matches only itself, so the text match is exact)."""
        return self.session.scalar(select(func.count()).where(_waiting_on(approver))) or 0


def _waiting_on(approver: str) -> ColumnElement[bool]:
    """Pending requests with a decidable step that names `approver`."""
    r, s = tables.requests.c, tables.approval_steps.c
    named = select(s.request_id).where(
        s.status.in_(sorted(DECIDABLE_STEP_STATUSES)),
        sa.cast(s.approvers, String).like(f'%"{approver}"%'),
    )
    return (r.status == RequestStatus.PENDING) & r.id.in_(named)


class SqlPeopleRepository(ports.PeopleRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def by_slack_id(self, slack_user_id: str) -> Person | None:
        """The person with this Slack user id."""
        query = select(Person).where(tables.people.c.slack_user_id == slack_user_id)
        return self.session.scalars(query).first()

    def by_email(self, email: str) -> Person | None:
        """The person with this email (case-insensitive: stored emails are normal)."""
        query = select(Person).where(tables.people.c.email == normal_email(email))
        return self.session.scalars(query).first()

    def by_id(self, person_id: int) -> Person | None:
        """The person with this id."""
        return self.session.get(Person, person_id)

    def by_external_id(self, external_id: str) -> list[Person]:
        """The people an identity provider gave this id (SCIM externalId), by id."""
        c = tables.people.c
        query = select(Person).where(c.external_id == external_id).order_by(c.id)
        return list(self.session.scalars(query))

    def undeleted_page(self, offset: int, limit: int) -> tuple[list[Person], int]:
        """A page of the people not deleted over SCIM, by id, and how many there are."""
        c = tables.people.c
        kept = c.deleted_at.is_(None)
        total = self.session.scalar(select(func.count()).select_from(tables.people).where(kept))
        query = select(Person).where(kept).order_by(c.id).offset(offset).limit(limit)
        return list(self.session.scalars(query)), total or 0

    def by_emails(self, emails: Iterable[str]) -> list[Person]:
        """The people with any of these emails (case-insensitive), by email."""
        wanted = sorted({normal_email(email) for email in emails})
        return _each_in(self.session, tables.people.c.email, wanted)

    def slack_ids(self, emails: Iterable[str]) -> dict[str, str | None]:
        """Email -> Slack id (None when not known yet) of the people with any of these emails
        (case-insensitive), read as plain rows: a sync asks for thousands at once."""
        c = tables.people.c
        wanted = sorted({normal_email(email) for email in emails})
        found: dict[str, str | None] = {}
        for start in range(0, len(wanted), IN_CHUNK):
            query = select(c.email, c.slack_user_id).where(
                c.email.in_(wanted[start : start + IN_CHUNK])
            )
            found.update((email, slack_id) for email, slack_id in self.session.execute(query))
        return found

    def by_ids(self, person_ids: Iterable[int]) -> list[Person]:
        """The people with any of these ids, by id, a chunk of ids per query."""
        wanted, found = sorted(set(person_ids)), list[Person]()
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start : start + IN_CHUNK]
            query = select(Person).where(tables.people.c.id.in_(chunk)).order_by(tables.people.c.id)
            found += self.session.scalars(query)
        return found

    def by_slack_ids(self, slack_user_ids: Iterable[str]) -> list[Person]:
        """The people holding any of these Slack user ids, by Slack id."""
        return _each_in(self.session, tables.people.c.slack_user_id, sorted(set(slack_user_ids)))

    def listed_by_directory(self) -> dict[str, bool]:
        """Email -> active, for everyone a directory source listed before."""
        c = tables.people.c
        rows = self.session.execute(select(c.email, c.active).where(c.in_directory))
        return {email: active for email, active in rows}

    def add(self, person: Person) -> None:
        """Stage a new person."""
        self.session.add(person)

    def add_new(self, people: Sequence[ports.NewPerson]) -> None:
        """Write new people with one executemany (after what the session holds)."""
        self.session.flush()
        rows = list(map(_NEW_PERSON_VALUES, people))
        execute_values(self.session.connection(), _ADD_PERSON, _NEW_PERSON_PARAMETERS, rows)

    def all(self) -> list[Person]:
        """Everyone in the directory, by email."""
        return list(self.session.scalars(select(Person).order_by(tables.people.c.email)))

    def rows_by_emails(self, emails: Iterable[str]) -> list[ports.KnownPerson]:
        """The people with any of these emails (case-insensitive) as plain rows, by email."""
        wanted = sorted({normal_email(email) for email in emails})
        return self._rows(tables.people.c.email, wanted)

    def rows_by_slack_ids(self, slack_user_ids: Iterable[str]) -> list[ports.KnownPerson]:
        """The people holding any of these Slack user ids as plain rows, by Slack id."""
        return self._rows(tables.people.c.slack_user_id, sorted(set(slack_user_ids)))

    def save_rows(self, rows: Sequence[ports.KnownPerson], *, freed: Sequence[int] = ()) -> None:
        """Write these rows (read by `rows_by_…`) with one executemany, after the people of ids
        `freed` have let go of their Slack ids (each belongs to one person at a time, and
        the rows may hand them over)."""
        self.session.flush()
        connection = self.session.connection()
        execute_values(connection, _FREE_SLACK_ID, ("row_id",), [(row_id,) for row_id in freed])
        shaped = list(map(_SAVED_PERSON_VALUES, rows))
        execute_values(connection, _SAVE_PERSON, _SAVED_PERSON_PARAMETERS, shaped)

    def _rows(self, column: ColumnElement[Any], values: list[str]) -> list[ports.KnownPerson]:
        found: list[ports.KnownPerson] = []
        for start in range(0, len(values), IN_CHUNK):
            query = _PERSON_ROWS.where(column.in_(values[start : start + IN_CHUNK]))
            found += (
                ports.KnownPerson(*row) for row in self.session.execute(query.order_by(column))
            )
        return found


def _each_in(session: Session, column: ColumnElement[Any], values: list[str]) -> list[Person]:
    """People whose `column` is one of `values` (sorted), in that order, a chunk per query."""
    found: list[Person] = []
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start : start + IN_CHUNK]
        found += session.scalars(select(Person).where(column.in_(chunk)).order_by(column))
    return found


# A new person's columns, written in bulk (`SqlPeopleRepository.add_new`).
_NEW_PERSON_FIELDS = tuple(field.name for field in dataclasses.fields(ports.NewPerson))
_NEW_PERSON_VALUES = operator.attrgetter(*_NEW_PERSON_FIELDS)
_NEW_PERSON_PARAMETERS = bound_names(_NEW_PERSON_FIELDS)
_ADD_PERSON = sa.insert(tables.people).values(bound(_NEW_PERSON_FIELDS))


# Known people as a directory batch reads and writes them (`KnownPerson`).
_PERSON_ROWS = select(*(tables.people.c[f.name] for f in dataclasses.fields(ports.KnownPerson)))
_SAVED_PERSON_FIELDS = ("name", "slack_user_id", "manager_email", "department", "active",
                        "in_directory")  # fmt: skip
_SAVED_PERSON_VALUES = operator.attrgetter("id", *_SAVED_PERSON_FIELDS)
_SAVED_PERSON_PARAMETERS = ("row_id", *bound_names(_SAVED_PERSON_FIELDS))
_SAVE_PERSON = (
    sa.update(tables.people)
    .where(tables.people.c.id == sa.bindparam("row_id"))
    .values(bound(_SAVED_PERSON_FIELDS))
)
_FREE_SLACK_ID = (
    sa.update(tables.people)
    .where(tables.people.c.id == sa.bindparam("row_id"))
    .values(slack_user_id=None)
)


class SqlTaskRepository(ports.TaskRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, task: Task) -> None:
        """Stage a new IT task."""
        self.session.add(task)

    def get(self, task_id: int, *, for_update: bool = False) -> Task | None:
        """The task with this id; `for_update` locks it."""
        query = select(Task).where(tables.tasks.c.id == task_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(query).first()

    def open_tasks(self) -> list[Task]:
        """Tasks not done yet, oldest first."""
        c = tables.tasks.c
        return list(
            self.session.scalars(select(Task).where(c.status == TaskStatus.OPEN).order_by(c.id))
        )


class SqlAppRepository(ports.AppRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self, app_key: str) -> None:
        """Serialise seat allocation for one app until commit (a row lock on PostgreSQL)."""
        query = select(tables.apps.c.key).where(tables.apps.c.key == app_key).with_for_update()
        self.session.execute(query)

    def mirror(self, config: Config) -> None:
        """Write the catalog as `config` has it in this transaction, if an app of it has no
        row yet: a dry run is rolled back, and the seats it would add need their app's row."""
        connection = self.session.connection()
        if catalog_lacks(connection, config):
            write_catalog(connection, config)
