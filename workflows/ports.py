"""Ports: the Protocols the domain needs from the outside world.

Connector errors form a small tree, so callers decide on the class alone::

    ConnectorError            any failure talking to a vendor
    ├── Retryable             transport error, 5xx, 429 — try again later
    │                         (``retry_after``: seconds the vendor asked us to wait, if any;
    │                         job handlers raise it too for Slack, or a message not posted yet)
    ├── Rejected              the vendor refused the call (other 4xx); ``str()`` is its message
    │   └── UnknownUser       the vendor has no such user and cannot create one
    └── NotSupported          this connector cannot do that operation (e.g. ``manual``)

Each carries the ``status`` and ``headers`` of the vendor's HTTP answer that failed (None and
no headers when no answer did: a transport error, or a failure read from a successful answer).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from workflows.catalog import Config
from workflows.model import (
    ApiToken,
    AuditEntry,
    AuditEvent,
    CaseStatus,
    DigestRecord,
    Group,
    Job,
    Person,
    ReclaimCase,
    ReclaimWave,
    Request,
    RequestStatus,
    Seat,
    SeatStatus,
    Task,
    TokenScope,
)
from workflows.text import MAX_NAME, storable


class ConnectorError(Exception):
    """A vendor call failed; the message says what happened and, where known, what to fix."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers: Mapping[str, str] = headers if headers is not None else {}


class Retryable(ConnectorError):
    """A passing failure: transport error, 5xx or 429. Safe to try again later.

    Job handlers raise it for any passing failure (Slack, or a message not posted yet); the
    worker then tries again after its backoff, and never sooner than `retry_after` seconds.
    """

    def __init__(
        self,
        message: str,
        retry_after: float | None = None,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, status=status, headers=headers)
        self.retry_after = retry_after


class Rejected(ConnectorError):
    """The vendor refused the call (a 4xx other than 429); retrying will not help."""


class UnknownUser(Rejected):
    """The vendor has no such user and the connector cannot create one."""


class NotSupported(ConnectorError):
    """The connector cannot do this operation; a person has to do it instead."""


@dataclass(frozen=True)
class SeatRecord:
    """One seat as a vendor reports it."""

    email: str
    tier: str | None = None
    assigned_on: dt.date | None = None
    last_active_on: dt.date | None = None
    ends_on: dt.date | None = None  # removed, but paid until then (e.g. a billing cycle)
    # What `last_active_on` is, in words a seat holder understands ("last sign-in"): the
    # reclaim question quotes them, so each connector words what it really reads.
    activity: str | None = None


@dataclass(frozen=True, slots=True)
class NewSeat:
    """A seat a vendor lists that Seatkeeper has no record of, written as a plain row: a sync
    or import finds thousands at once."""

    app_key: str
    tier_key: str
    email: str  # normal (`normal_email`)
    slack_user_id: str | None
    assigned_on: dt.date
    paid_until: dt.date | None
    recorded_at: dt.datetime
    last_active_on: dt.date | None
    activity_source: str | None


@dataclass(slots=True)
class NewPerson:
    """Someone a directory lists whom Seatkeeper does not know yet, written as a plain row (an
    import adds thousands at once); its batch may still change it before it is written."""

    email: str  # normal (`normal_email`), as manager_email
    name: str
    slack_user_id: str | None
    manager_email: str | None
    department: str
    active: bool
    in_directory: bool = False
    pushed_at: dt.datetime | None = None  # never pushed: a directory source listed them


@dataclass(slots=True)
class KnownPerson:
    """What a directory batch compares and may change of someone known, read as a plain row
    (an import of thousands would otherwise load as many objects)."""

    id: int
    email: str
    name: str
    slack_user_id: str | None
    manager_email: str | None
    department: str
    active: bool
    in_directory: bool
    pushed_at: dt.datetime | None


@dataclass(slots=True)
class HeldRow:
    """What a sync compares and may change of a held seat, read as a plain row."""

    id: int
    email: str
    tier_key: str
    status: SeatStatus
    last_active_on: dt.date | None
    activity_source: str | None
    paid_until: dt.date | None
    recorded_at: dt.datetime | None
    ended_on: dt.date | None = None


@dataclass(frozen=True)
class SeatTally:
    """How many seats are held on one app and tier, and how many of them were used lately."""

    app_key: str
    tier_key: str
    held: int
    active: int  # last used on or after the day asked about


@dataclass(frozen=True)
class ContractFigures:
    """Contract numbers a vendor exposes (e.g. prepaid vs consumed licences)."""

    seats: int | None = None
    assigned: int | None = None


@dataclass(frozen=True)
class Assignee:
    """Who a seat is for, as the connector needs to know them."""

    email: str
    name: str = ""
    slack_user_id: str | None = None


@dataclass(frozen=True)
class PersonRecord:
    """One person as a directory source reports them.

    A name or department is whatever someone typed into a profile there: nobody here can
    correct it, so it is made storable (no control characters, cut to its column's width).
    """

    email: str
    name: str = ""
    slack_user_id: str | None = None
    manager_email: str | None = None
    department: str = ""
    active: bool = True

    def __post_init__(self) -> None:
        for field in ("name", "department"):
            object.__setattr__(self, field, storable(str(getattr(self, field)), MAX_NAME))


class DirectorySource(Protocol):
    """Where people, their managers and departments, and leavers come from.

    `provides_org` is False for a source that knows no managers or departments (Slack), so
    the ones already known are kept.
    """

    provides_org: bool

    def list_people(self) -> list[PersonRecord]:
        """Everyone the directory knows, active or not, across all pages."""
        ...

    def check(self) -> str:
        """Verify credentials and reachability; return a one-line description or raise."""
        ...


class Connector(Protocol):
    """The small interface every vendor connector implements.

    Writes are idempotent: assigning a seat the person already has, or revoking one they do not
    have, succeeds without change. Manual connectors raise `NotSupported` for writes so the
    workflow turns them into IT tasks.
    """

    manual: bool
    # A removed seat stays billed until the end of its billing cycle (GitHub Copilot).
    billed_to_cycle_end: bool

    def list_seats(self) -> list[SeatRecord]:
        """Every seat the vendor knows, across all pages."""
        ...

    def assign(self, who: Assignee, tier: str) -> None:
        """Give `who` a seat on `tier` (create or re-activate the account)."""
        ...

    def revoke(self, who: Assignee) -> None:
        """Take the seat away from `who`."""
        ...

    def change_tier(self, who: Assignee, tier: str) -> None:
        """Move `who` to another tier."""
        ...

    def contract(self) -> ContractFigures | None:
        """Contract figures where the vendor exposes them, else None."""
        ...

    def check(self) -> str:
        """Verify credentials and reachability; return a one-line description or raise."""
        ...


class Clock(Protocol):
    """Where the domain gets the time; always timezone-aware UTC."""

    def now(self) -> dt.datetime: ...


class RequestRepository(Protocol):
    def add(self, request: Request) -> None: ...
    def get(self, request_id: int, *, for_update: bool = False) -> Request | None: ...
    def open_for(self, requester: str, app_key: str, tier_key: str) -> Request | None: ...
    def with_status(
        self, *statuses: RequestStatus, app_key: str | None = None, for_update: bool = False
    ) -> list[Request]: ...
    def count_with_status(
        self, app_key: str, *statuses: RequestStatus, tiers: Collection[str] | None = None
    ) -> int: ...
    def for_requester(self, requester: str, *, limit: int = 50) -> list[Request]: ...
    def count_for_requester(self, requester: str) -> int: ...
    def waiting_on(self, approver: str, *, limit: int = 50) -> list[Request]: ...
    def count_waiting_on(self, approver: str) -> int: ...


class PeopleRepository(Protocol):
    def by_slack_id(self, slack_user_id: str) -> Person | None: ...
    def by_email(self, email: str) -> Person | None: ...
    def by_id(self, person_id: int) -> Person | None: ...
    def by_external_id(self, external_id: str) -> list[Person]: ...
    def undeleted_page(self, offset: int, limit: int) -> tuple[list[Person], int]: ...
    def by_emails(self, emails: Iterable[str]) -> list[Person]: ...
    def slack_ids(self, emails: Iterable[str]) -> dict[str, str | None]: ...
    def add_new(self, people: Sequence[NewPerson]) -> None: ...
    def rows_by_emails(self, emails: Iterable[str]) -> list[KnownPerson]: ...
    def rows_by_slack_ids(self, slack_user_ids: Iterable[str]) -> list[KnownPerson]: ...
    def save_rows(self, rows: Sequence[KnownPerson], *, freed: Sequence[int] = ()) -> None: ...
    def by_ids(self, person_ids: Iterable[int]) -> list[Person]: ...
    def by_slack_ids(self, slack_user_ids: Iterable[str]) -> list[Person]: ...
    def listed_by_directory(self) -> dict[str, bool]: ...
    def add(self, person: Person) -> None: ...
    def all(self) -> list[Person]: ...


class SeatRepository(Protocol):
    def add(self, seat: Seat) -> None: ...
    def get(self, seat_id: int, *, for_update: bool = False) -> Seat | None: ...
    def active_for(self, email: str, app_key: str) -> Seat | None: ...
    def count_active(self, app_key: str, tiers: Collection[str] | None = None) -> int: ...
    def held_by(self, email: str) -> list[Seat]: ...
    def held_on(self, app_key: str) -> list[Seat]: ...
    def held_rows(self, app_key: str) -> list[HeldRow]: ...
    def add_new(self, seats: Sequence[NewSeat]) -> None: ...
    def save_rows(self, rows: Sequence[HeldRow]) -> None: ...
    def activity_on(
        self, app_key: str, emails: Iterable[str]
    ) -> dict[str, tuple[dt.date | None, str | None]]: ...
    def record_activity(
        self, app_key: str, changes: Mapping[str, tuple[dt.date, str | None]]
    ) -> None: ...
    def record_newer_activity(
        self, app_key: str, usage: Mapping[str, dt.date], words: str
    ) -> int: ...
    def worth_a_look(
        self, app_keys: Collection[str], *, used_before: dt.date, ending_by: dt.date
    ) -> list[Seat]: ...
    def held_by_leavers(self) -> list[Seat]: ...
    def held(self) -> list[Seat]: ...
    def tally(self, app_keys: Collection[str], since: dt.date) -> list[SeatTally]: ...
    def revoked_since(self, app_key: str, since: dt.date) -> set[str]: ...


class CaseRepository(Protocol):
    def add(self, case: ReclaimCase) -> None: ...
    def get(self, case_id: int, *, for_update: bool = False) -> ReclaimCase | None: ...
    def open_for(self, seat_id: int) -> ReclaimCase | None: ...
    def with_status(
        self, *statuses: CaseStatus, app_key: str | None = None, for_update: bool = False
    ) -> list[ReclaimCase]: ...
    def in_wave(self, wave_id: int) -> list[ReclaimCase]: ...
    def completed(self) -> list[ReclaimCase]: ...


class DigestRepository(Protocol):
    def add(self, record: DigestRecord) -> None: ...
    def get(self, digest_id: int) -> DigestRecord | None: ...
    def latest(self) -> DigestRecord | None: ...


class WaveRepository(Protocol):
    def add(self, wave: ReclaimWave) -> None: ...
    def get(self, wave_id: int, *, for_update: bool = False) -> ReclaimWave | None: ...


class TaskRepository(Protocol):
    def add(self, task: Task) -> None: ...
    def get(self, task_id: int, *, for_update: bool = False) -> Task | None: ...
    def open_tasks(self) -> list[Task]: ...


class JobRepository(Protocol):
    def add(self, job: Job) -> bool: ...
    def get(self, job_id: int) -> Job | None: ...
    def claim(
        self,
        now: dt.datetime,
        lease: dt.timedelta,
        limit: int,
        *,
        holder: str = "",
        kinds: Collection[str] | None = None,
        exclude: Collection[str] = (),
    ) -> list[Job]: ...
    def renew(self, holder: str, job_ids: Collection[int], until: dt.datetime) -> int: ...
    def held_by(self, holder: str) -> list[Job]: ...


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> None: ...
    def all(self) -> list[AuditEvent]: ...


class AppRepository(Protocol):
    def lock(self, app_key: str) -> None: ...
    def mirror(self, config: Config) -> None: ...


class TokenRepository(Protocol):
    def add(self, token: ApiToken) -> None: ...
    def live(self, name: str) -> ApiToken | None: ...
    def usable(self, scope: TokenScope) -> list[ApiToken]: ...
    def all(self) -> list[ApiToken]: ...


class GroupRepository(Protocol):
    def add(self, group: Group) -> None: ...
    def by_id(self, group_id: int) -> Group | None: ...
    def by_name(self, display_name: str) -> Group | None: ...
    def page(self, offset: int, limit: int) -> tuple[list[Group], int]: ...
    def all(self) -> list[Group]: ...
    def of_person(self, person_id: int) -> list[Group]: ...
    def delete(self, group: Group) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: repositories share it; nothing is saved until `commit`."""

    requests: RequestRepository
    people: PeopleRepository
    seats: SeatRepository
    cases: CaseRepository
    waves: WaveRepository
    digests: DigestRepository
    tasks: TaskRepository
    jobs: JobRepository
    audit: AuditLog
    apps: AppRepository
    tokens: TokenRepository
    groups: GroupRepository

    def flush(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


Cmd = TypeVar("Cmd", contravariant=True)
Outcome = TypeVar("Outcome", covariant=True)


class Verb(Protocol[Cmd, Outcome]):
    """A workflow verb: `verb(cmd, *, uow, config, clock) -> Outcome`.

    One command of the verb's own type in, its outcome out. It changes state in the caller's
    unit of work (the caller commits), and declares all three keywords, used or not, so any
    runner can run any verb.
    """

    def __call__(
        self, cmd: Cmd, /, *, uow: UnitOfWork, config: Config, clock: Clock
    ) -> Outcome: ...
