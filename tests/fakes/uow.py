"""An in-memory unit of work with the same semantics as `store/` (cosmicpython's FakeUnitOfWork).

What it keeps from the SQL store, because the workflows rely on it:

* queries see everything added so far (SQLAlchemy autoflushes before a query), and adding a
  job flushes too, so ids are known from then on, as in the SQL store (an audit event does
  not: the SQL store writes a transaction's events with its other changes);
* stored emails are normal (`workflows.model.normal_email`, applied when a Person or Seat is
  made), and lookups by email compare them exactly, as the SQL store's indexed lookups do;
* `flush` assigns ids in insertion order and refuses what the schema's uniqueness rules
  refuse (`FakeIntegrityError` where PostgreSQL or SQLite would raise `IntegrityError`);
* job payloads and audit data must be JSON, and the audit log seals each event with
  `workflows.audit.seal`, so the hash chain is the real one;
* a step's approval messages must be `ApprovalMessage` records, as its column takes;
* `rollback` forgets everything since the last `commit`.

It does not bump `Request.version` (the optimistic lock of the SQL mapping).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from types import TracebackType
from typing import Any, Protocol, Self

from workflows import jobs
from workflows.audit import seal
from workflows.catalog import Config
from workflows.figures import tally_seats
from workflows.model import (
    OPEN_CASE_STATUSES,
    OPEN_REQUEST_STATUSES,
    ApiToken,
    ApprovalMessage,
    ApprovalStep,
    AuditEntry,
    AuditEvent,
    CaseStatus,
    DigestRecord,
    Group,
    Job,
    JobStatus,
    Person,
    ReclaimCase,
    ReclaimWave,
    Request,
    RequestStatus,
    Seat,
    SeatStatus,
    Task,
    TaskStatus,
    TokenScope,
    normal_email,
)
from workflows.ports import (
    AppRepository,
    AuditLog,
    CaseRepository,
    DigestRepository,
    GroupRepository,
    HeldRow,
    JobRepository,
    KnownPerson,
    NewPerson,
    NewSeat,
    PeopleRepository,
    RequestRepository,
    SeatRepository,
    SeatTally,
    TaskRepository,
    TokenRepository,
    UnitOfWork,
    WaveRepository,
)
from workflows.sync import newer_activity

HELD = (SeatStatus.ACTIVE, SeatStatus.RELEASING)


class _HasId(Protocol):
    id: int | None


class FakeIntegrityError(Exception):
    """A uniqueness rule of the schema was broken (the SQL store raises IntegrityError)."""


@dataclass
class _Tables:
    """Everything stored, plus the next id of each table; copied whole on commit."""

    requests: list[Request] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    seats: list[Seat] = field(default_factory=list)
    cases: list[ReclaimCase] = field(default_factory=list)
    waves: list[ReclaimWave] = field(default_factory=list)
    digests: list[DigestRecord] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)
    tokens: list[ApiToken] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    last_id: dict[str, int] = field(default_factory=dict)

    def next_id(self, table: str) -> int:
        self.last_id[table] = self.last_id.get(table, 0) + 1
        return self.last_id[table]


Flush = Callable[[], None]


def _as_json(value: Any, what: str) -> Any:
    """`value` as a JSON column gives it back; refuses what the column would refuse."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise FakeIntegrityError(f"{what} is not JSON: {exc}") from exc


class FakeRequestRepository(RequestRepository):
    def __init__(self, tables: _Tables, flush: Flush) -> None:
        self._tables, self._flush = tables, flush

    def add(self, request: Request) -> None:
        """Stage a new request (and its steps)."""
        self._tables.requests.append(request)

    def get(self, request_id: int, *, for_update: bool = False) -> Request | None:
        """The request with this id."""
        self._flush()
        return next((r for r in self._tables.requests if r.id == request_id), None)

    def open_for(self, requester: str, app_key: str, tier_key: str) -> Request | None:
        """The person's open request for this app and tier, if any."""
        self._flush()
        return next(
            (
                r
                for r in self._tables.requests
                if (r.requester, r.app_key, r.tier_key) == (requester, app_key, tier_key)
                and r.status in OPEN_REQUEST_STATUSES
            ),
            None,
        )

    def with_status(
        self, *statuses: RequestStatus, app_key: str | None = None, for_update: bool = False
    ) -> list[Request]:
        """Requests in any of `statuses`, oldest (lowest id) first."""
        self._flush()
        found = [
            r
            for r in self._tables.requests
            if r.status in statuses and (app_key is None or r.app_key == app_key)
        ]
        return sorted(found, key=lambda r: r.id or 0)

    def count_with_status(
        self, app_key: str, *statuses: RequestStatus, tiers: Collection[str] | None = None
    ) -> int:
        """How many of the app's requests (on `tiers`, if given) are in any of `statuses`."""
        found = self.with_status(*statuses, app_key=app_key)
        return sum(1 for r in found if tiers is None or r.tier_key in tiers)

    def for_requester(self, requester: str, *, limit: int = 50) -> list[Request]:
        """The person's most recent requests, newest first."""
        self._flush()
        mine = [r for r in self._tables.requests if r.requester == requester]
        return sorted(mine, key=lambda r: r.id or 0, reverse=True)[:limit]

    def count_for_requester(self, requester: str) -> int:
        """How many requests the person made."""
        return len(self.for_requester(requester, limit=len(self._tables.requests)))

    def waiting_on(self, approver: str, *, limit: int = 50) -> list[Request]:
        """Pending requests whose current step `approver` may decide."""
        found = []
        for request in self.with_status(RequestStatus.PENDING):
            step = request.current_step()
            if step is not None and approver in step.approvers:
                found.append(request)
        return found[:limit]

    def count_waiting_on(self, approver: str) -> int:
        """How many pending requests `approver` may decide."""
        return len(self.waiting_on(approver, limit=len(self._tables.requests)))

    def all(self) -> list[Request]:
        """Every request, by id (fake only)."""
        return self.with_status(*RequestStatus)


class FakePeopleRepository(PeopleRepository):
    def __init__(self, tables: _Tables, flush: Flush) -> None:
        self._tables, self._flush = tables, flush

    def by_slack_id(self, slack_user_id: str) -> Person | None:
        """The person with this Slack user id."""
        self._flush()
        return next((p for p in self._tables.people if p.slack_user_id == slack_user_id), None)

    def by_email(self, email: str) -> Person | None:
        """The person with this email (case-insensitive: stored emails are normal)."""
        self._flush()
        wanted = normal_email(email)
        return next((p for p in self._tables.people if p.email == wanted), None)

    def by_id(self, person_id: int) -> Person | None:
        """The person with this id."""
        self._flush()
        return next((p for p in self._tables.people if p.id == person_id), None)

    def undeleted_page(self, offset: int, limit: int) -> tuple[list[Person], int]:
        """A page of the people not deleted over SCIM, by id, and how many there are."""
        self._flush()
        kept = sorted(
            (p for p in self._tables.people if p.deleted_at is None), key=lambda p: p.id or 0
        )
        return kept[offset : offset + limit], len(kept)

    def by_external_id(self, external_id: str) -> list[Person]:
        """The people an identity provider gave this id (SCIM externalId), by id."""
        self._flush()
        found = [p for p in self._tables.people if p.external_id == external_id]
        return sorted(found, key=lambda p: p.id or 0)

    def by_emails(self, emails: Iterable[str]) -> list[Person]:
        """The people with any of these emails (case-insensitive), by email."""
        return self._where(lambda p: p.email, {normal_email(e) for e in emails})

    def slack_ids(self, emails: Iterable[str]) -> dict[str, str | None]:
        """Email -> Slack id of the people with any of these emails."""
        return {p.email: p.slack_user_id for p in self.by_emails(emails)}

    def by_ids(self, person_ids: Iterable[int]) -> list[Person]:
        """The people with any of these ids, by id."""
        self._flush()
        wanted = set(person_ids)
        return sorted((p for p in self._tables.people if p.id in wanted), key=lambda p: p.id or 0)

    def by_slack_ids(self, slack_user_ids: Iterable[str]) -> list[Person]:
        """The people holding any of these Slack user ids, by Slack id."""
        return self._where(lambda p: p.slack_user_id, set(slack_user_ids))

    def listed_by_directory(self) -> dict[str, bool]:
        """Email -> active, for everyone a directory source listed before."""
        self._flush()
        return {p.email: p.active for p in self._tables.people if p.in_directory}

    def _where(self, key: Callable[[Person], str | None], wanted: Collection[str]) -> list[Person]:
        self._flush()
        found = [p for p in self._tables.people if key(p) in wanted]
        return sorted(found, key=lambda p: key(p) or "")

    def add(self, person: Person) -> None:
        """Stage a new person."""
        self._tables.people.append(person)

    def rows_by_emails(self, emails: Iterable[str]) -> list[KnownPerson]:
        """Copies of the people with any of these emails, by email."""
        return [_person_row(p) for p in self.by_emails(emails)]

    def rows_by_slack_ids(self, slack_user_ids: Iterable[str]) -> list[KnownPerson]:
        """Copies of the people holding any of these Slack ids, by Slack id."""
        return [_person_row(p) for p in self.by_slack_ids(slack_user_ids)]

    def save_rows(self, rows: Sequence[KnownPerson], *, freed: Sequence[int] = ()) -> None:
        """Free the Slack ids of `freed`, then write the rows to their people (checked as the
        schema would check them)."""
        self._flush()
        by_id = {p.id: p for p in self._tables.people}
        for person_id in freed:
            by_id[person_id].slack_user_id = None
        self._flush()
        for row in rows:
            for f in fields(KnownPerson):
                setattr(by_id[row.id], f.name, getattr(row, f.name))
        self._flush()

    def add_new(self, people: Sequence[NewPerson]) -> None:
        """Add people from plain rows, refusing a second holder of an email or Slack id."""
        self._flush()
        for new in people:
            self.add(Person(**{f.name: getattr(new, f.name) for f in fields(NewPerson)}))
        self._flush()

    def all(self) -> list[Person]:
        """Everyone in the directory, by email."""
        self._flush()
        return sorted(self._tables.people, key=lambda p: p.email)


def _person_row(person: Person) -> KnownPerson:
    return KnownPerson(*(getattr(person, f.name) for f in fields(KnownPerson)))


class FakeSeatRepository(SeatRepository):
    def __init__(self, tables: _Tables, flush: Flush) -> None:
        self._tables, self._flush = tables, flush

    def add(self, seat: Seat) -> None:
        """Stage a new seat."""
        self._tables.seats.append(seat)

    def get(self, seat_id: int, *, for_update: bool = False) -> Seat | None:
        """The seat with this id, in any status."""
        return next((s for s in self.all() if s.id == seat_id), None)

    def active_for(self, email: str, app_key: str) -> Seat | None:
        """The seat (active or releasing) this person holds on the app, if any."""
        return next((s for s in self.held_by(email) if s.app_key == app_key), None)

    def count_active(self, app_key: str, tiers: Collection[str] | None = None) -> int:
        """Seats held (active or releasing) on the app (on `tiers`, if given)."""
        return sum(1 for s in self.held_on(app_key) if tiers is None or s.tier_key in tiers)

    def held_by(self, email: str) -> list[Seat]:
        """Seats (active or releasing) this person holds, by app."""
        wanted = normal_email(email)
        held = [s for s in self.all() if s.email == wanted and s.status in HELD]
        return sorted(held, key=lambda s: s.app_key)

    def held_on(self, app_key: str) -> list[Seat]:
        """Seats (active or releasing) held on the app, by email."""
        held = [s for s in self.all() if s.app_key == app_key and s.status in HELD]
        return sorted(held, key=lambda s: s.email)

    def held_rows(self, app_key: str) -> list[HeldRow]:
        """The app's held seats as plain rows (copies: a change is written by `save_rows`)."""
        names = [f.name for f in fields(HeldRow)]
        return [HeldRow(*(getattr(s, n) for n in names)) for s in self.held_on(app_key)]

    def add_new(self, seats: Sequence[NewSeat]) -> None:
        """Add active seats from plain rows."""
        for new in seats:
            self.add(Seat(**{f.name: getattr(new, f.name) for f in fields(NewSeat)}))

    def save_rows(self, rows: Sequence[HeldRow]) -> None:
        """Write the rows' fields to their seats."""
        by_id = {s.id: s for s in self.all()}
        for row in rows:
            seat = by_id[row.id]
            for f in fields(HeldRow):
                setattr(seat, f.name, getattr(row, f.name))

    def activity_on(
        self, app_key: str, emails: Iterable[str]
    ) -> dict[str, tuple[dt.date | None, str | None]]:
        """Email -> (last activity, its words) of the app's held seats of `emails`."""
        wanted = {normal_email(email) for email in emails}
        return {
            s.email: (s.last_active_on, s.activity_source)
            for s in self.held_on(app_key)
            if s.email in wanted
        }

    def record_activity(
        self, app_key: str, changes: Mapping[str, tuple[dt.date, str | None]]
    ) -> None:
        """Set the last activity and its words of the app's held seats of these emails."""
        for seat in self.held_on(app_key):
            if seat.email in changes:
                seat.last_active_on, seat.activity_source = changes[seat.email]

    def record_newer_activity(self, app_key: str, usage: Mapping[str, dt.date], words: str) -> int:
        """Record each day where it is newer (`newer_activity`); return the seats changed."""
        wanted = {normal_email(email): day for email, day in usage.items()}
        changed = 0
        for seat in self.held_on(app_key):
            if seat.email in wanted:
                stored = (seat.last_active_on, seat.activity_source)
                after = newer_activity(stored, wanted[seat.email], words)
                if after is not None:
                    seat.last_active_on, seat.activity_source = after
                    changed += 1
        return changed

    def worth_a_look(
        self, app_keys: Collection[str], *, used_before: dt.date, ending_by: dt.date
    ) -> list[Seat]:
        """Held seats unused since `used_before`, ending by `ending_by` or with an open case."""
        asked = {c.seat_id for c in self._tables.cases if c.status in OPEN_CASE_STATUSES}
        return [
            s
            for app_key in sorted(set(app_keys))
            for s in self.held_on(app_key)
            if s.last_active_on is None
            or s.last_active_on < used_before
            or (s.end_date is not None and s.end_date <= ending_by)
            or s.id in asked
        ]

    def tally(self, app_keys: Collection[str], since: dt.date) -> list[SeatTally]:
        """Seats held per app and tier, and of those the ones used since `since`."""
        held = [s for s in self.all() if s.status in HELD]
        return tally_seats(held, app_keys, since)

    def revoked_since(self, app_key: str, since: dt.date) -> set[str]:
        """Emails whose seat on the app was revoked on or after `since`."""
        return {
            s.email
            for s in self.all()
            if s.app_key == app_key
            and s.status == SeatStatus.REVOKED
            and s.ended_on is not None
            and s.ended_on >= since
        }

    def held(self) -> list[Seat]:
        """Every seat held, on any app, by app and email."""
        held = [s for s in self.all() if s.status in HELD]
        return sorted(held, key=lambda s: (s.app_key, s.email))

    def held_by_leavers(self) -> list[Seat]:
        """Active seats whose holder the directory marks inactive, by email and app."""
        gone = {p.email for p in self._tables.people if not p.active}
        found = [s for s in self.all() if s.status == SeatStatus.ACTIVE and s.email in gone]
        return sorted(found, key=lambda s: (s.email, s.app_key))

    def all(self) -> list[Seat]:
        """Every seat in any status, by id (fake only)."""
        self._flush()
        return sorted(self._tables.seats, key=lambda s: s.id or 0)


class FakeCaseRepository(CaseRepository):
    def __init__(self, tables: _Tables, flush: Flush) -> None:
        self._tables, self._flush = tables, flush

    def add(self, case: ReclaimCase) -> None:
        """Stage a new reclaim case."""
        self._tables.cases.append(case)

    def get(self, case_id: int, *, for_update: bool = False) -> ReclaimCase | None:
        """The case with this id."""
        return next((c for c in self.all() if c.id == case_id), None)

    def open_for(self, seat_id: int) -> ReclaimCase | None:
        """The seat's open case, if any."""
        return next(
            (c for c in self.all() if c.seat_id == seat_id and c.status in OPEN_CASE_STATUSES),
            None,
        )

    def with_status(
        self, *statuses: CaseStatus, app_key: str | None = None, for_update: bool = False
    ) -> list[ReclaimCase]:
        """Cases in any of `statuses` (of one app, if given), oldest first."""
        return [
            c
            for c in self.all()
            if c.status in statuses and (app_key is None or c.app_key == app_key)
        ]

    def in_wave(self, wave_id: int) -> list[ReclaimCase]:
        """The cases of a review wave, oldest first."""
        return [c for c in self.all() if c.wave_id == wave_id]

    def completed(self) -> list[ReclaimCase]:
        """Cases whose seat was taken back, oldest first."""
        done = [c for c in self.all() if c.completed_at is not None]
        return sorted(done, key=lambda c: c.completed_at or dt.datetime.min.replace(tzinfo=dt.UTC))

    def all(self) -> list[ReclaimCase]:
        """Every case, by id (fake only)."""
        self._flush()
        return sorted(self._tables.cases, key=lambda c: c.id or 0)


class FakeWaveRepository(WaveRepository):
    def __init__(self, tables: _Tables, flush: Flush) -> None:
        self._tables, self._flush = tables, flush

    def add(self, wave: ReclaimWave) -> None:
        """Stage a new review wave."""
        self._tables.waves.append(wave)

    def get(self, wave_id: int, *, for_update: bool = False) -> ReclaimWave | None:
        """The wave with this id."""
        self._flush()
        return next((w for w in self._tables.waves if w.id == wave_id), None)


class FakeDigestRepository(DigestRepository):
    def __init__(self, tables: _Tables, flush: Flush) -> None:
        self._tables, self._flush = tables, flush

    def add(self, record: DigestRecord) -> None:
        """Stage a digest as posted."""
        record.payload = _as_json(record.payload, "a digest's payload")
        self._tables.digests.append(record)

    def get(self, digest_id: int) -> DigestRecord | None:
        """The digest with this id."""
        self._flush()
        return next((d for d in self._tables.digests if d.id == digest_id), None)

    def latest(self) -> DigestRecord | None:
        """The most recent digest, if any."""
        self._flush()
        ordered = sorted(self._tables.digests, key=lambda d: (d.created_at, d.id or 0))
        return ordered[-1] if ordered else None


class FakeTaskRepository(TaskRepository):
    def __init__(self, tables: _Tables, flush: Flush) -> None:
        self._tables, self._flush = tables, flush

    def add(self, task: Task) -> None:
        """Stage a new IT task."""
        self._tables.tasks.append(task)

    def get(self, task_id: int, *, for_update: bool = False) -> Task | None:
        """The task with this id."""
        return next((t for t in self.all() if t.id == task_id), None)

    def open_tasks(self) -> list[Task]:
        """Tasks not done yet, oldest first."""
        return [t for t in self.all() if t.status == TaskStatus.OPEN]

    def all(self) -> list[Task]:
        """Every task, by id (fake only)."""
        self._flush()
        return sorted(self._tables.tasks, key=lambda t: t.id or 0)


class FakeJobRepository(JobRepository):
    def __init__(self, tables: _Tables, flush: Flush) -> None:
        self._tables, self._flush = tables, flush

    def add(self, job: Job) -> bool:
        """Stage a job unless one with the same key exists (in any status); True when added."""
        if any(j.key == job.key for j in self._tables.jobs):
            return False
        _as_json(job.payload, f"payload of job {job.key}")
        self._tables.jobs.append(job)
        self._flush()  # in the SQL store the next query flushes it (autoflush)
        return True

    def get(self, job_id: int) -> Job | None:
        """The job with this id."""
        return next((j for j in self.all() if j.id == job_id), None)

    def claim(
        self,
        now: dt.datetime,
        lease: dt.timedelta,
        limit: int,
        *,
        holder: str = "",
        kinds: Collection[str] | None = None,
        exclude: Collection[str] = (),
    ) -> list[Job]:
        """Lease up to `limit` due jobs (or ones whose lease ran out), oldest first.

        A job waits while an earlier job of its queue is still queued or running.
        """
        every = self.all()
        wanted = [j for j in every if (kinds is None or j.kind in kinds) and j.kind not in exclude]
        claimed = [j for j in wanted if _due(j, now) and not _blocked(j, every)][:limit]
        for job in claimed:
            jobs.claim(job, now=now, lease=lease, holder=holder)
        return claimed

    def renew(self, holder: str, job_ids: Collection[int], until: dt.datetime) -> int:
        """Extend the leases `holder` still holds on these jobs."""
        held = [j for j in self.held_by(holder) if j.id in job_ids]
        for job in held:
            job.leased_until = until
        return len(held)

    def held_by(self, holder: str) -> list[Job]:
        """The running jobs `holder` holds a lease on."""
        return [j for j in self.all() if j.lease_holder == holder and j.status == JobStatus.RUNNING]

    def all(self) -> list[Job]:
        """Every job, by id (fake only)."""
        self._flush()
        return sorted(self._tables.jobs, key=lambda j: j.id or 0)


def _blocked(job: Job, every: list[Job]) -> bool:
    queue = job.queue
    return queue is not None and any(
        other.queue == queue
        and (other.id or 0) < (job.id or 0)
        and other.status in (JobStatus.QUEUED, JobStatus.RUNNING)
        for other in every
    )


def _due(job: Job, now: dt.datetime) -> bool:
    if job.status == JobStatus.QUEUED:
        return job.run_after <= now
    lease_ran_out = job.leased_until is not None and job.leased_until < now
    return job.status == JobStatus.RUNNING and lease_ran_out


class FakeAuditLog(AuditLog):
    def __init__(self, tables: _Tables, flush: Flush) -> None:
        self._tables, self._flush = tables, flush

    def append(self, entry: AuditEntry) -> None:
        """Chain the entry to the last event (seq + 1, its hash) and store it."""
        data = _as_json(entry.data, f"data of audit event {entry.action}")
        last = self._tables.audit[-1] if self._tables.audit else None
        seq, prev_hash = ((last.seq or 0) + 1, last.hash) if last else (1, None)
        self._tables.audit.append(seal(replace(entry, data=data), seq, prev_hash))

    def all(self) -> list[AuditEvent]:
        """Every event in order."""
        return sorted(self._tables.audit, key=lambda e: e.seq or 0)


class FakeAppRepository(AppRepository):
    def __init__(self) -> None:
        self.locked: list[str] = []

    def lock(self, app_key: str) -> None:
        """Nothing to serialise in one thread; remembers the key for tests."""
        self.locked.append(app_key)

    def mirror(self, config: Config) -> None:
        """Nothing to write: the fake has no foreign keys."""


class FakeTokenRepository(TokenRepository):
    def __init__(self, tables: _Tables, flush: Flush) -> None:
        self._tables, self._flush = tables, flush

    def add(self, token: ApiToken) -> None:
        """Stage a new token."""
        self._tables.tokens.append(token)

    def live(self, name: str) -> ApiToken | None:
        """The unrevoked token with this name, if any."""
        return next((t for t in self.all() if t.name == name and not t.revoked), None)

    def usable(self, scope: TokenScope) -> list[ApiToken]:
        """The unrevoked tokens of `scope`, oldest first."""
        return [t for t in self.all() if t.scope == scope and not t.revoked]

    def all(self) -> list[ApiToken]:
        """Every token, revoked or not, oldest first."""
        self._flush()
        return sorted(self._tables.tokens, key=lambda t: t.id or 0)


class FakeGroupRepository(GroupRepository):
    def __init__(self, tables: _Tables, flush: Flush) -> None:
        self._tables, self._flush = tables, flush

    def add(self, group: Group) -> None:
        """Stage a new group."""
        self._tables.groups.append(group)

    def by_id(self, group_id: int) -> Group | None:
        """The group with this id."""
        return next((g for g in self.all() if g.id == group_id), None)

    def by_name(self, display_name: str) -> Group | None:
        """The group with this display name."""
        return next((g for g in self.all() if g.display_name == display_name), None)

    def page(self, offset: int, limit: int) -> tuple[list[Group], int]:
        """A page of the groups, by id, and how many there are."""
        found = self.all()
        return found[offset : offset + limit], len(found)

    def all(self) -> list[Group]:
        """Every group, by id."""
        self._flush()
        return sorted(self._tables.groups, key=lambda g: g.id or 0)

    def of_person(self, person_id: int) -> list[Group]:
        """The groups this person is in, by id."""
        return [g for g in self.all() if person_id in g.member_ids]

    def delete(self, group: Group) -> None:
        """Forget the group and its memberships."""
        self._tables.groups = [g for g in self._tables.groups if g is not group]


class FakeUnitOfWork(UnitOfWork):
    """`workflows.ports.UnitOfWork` in memory. `committed` turns True on the first commit.

    Its repositories are typed as the ports (Protocol members are invariant); what only the
    fake can answer is asked of the unit of work itself: all_requests(), all_jobs(kind), ...
    """

    def __init__(self, people: Iterable[Person] = ()) -> None:
        self._tables = _Tables()
        self._apps = FakeAppRepository()
        self.apps = self._apps
        self._bind()
        for person in people:
            self.people.add(person)
        self.flush()
        self._saved = copy.deepcopy(self._tables)
        self.committed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.rollback()

    def flush(self) -> None:
        """Give new rows their ids and check the schema's uniqueness rules."""
        t = self._tables
        _number(t, "people", t.people)
        _number(t, "requests", t.requests)
        for request in t.requests:
            _number(t, "approval_steps", request.steps)
            for step in request.steps:
                step.request_id = request.id
                _check_messages(step)
        _number(t, "seats", t.seats)
        _number(t, "reclaim_waves", t.waves)
        _number(t, "reclaim_cases", t.cases)
        _number(t, "digests", t.digests)
        _number(t, "tasks", t.tasks)
        _number(t, "jobs", t.jobs)
        _number(t, "api_tokens", t.tokens)
        _number(t, "scim_groups", t.groups)
        for group in t.groups:
            for member in group.members:
                member.group_id = group.id
        _check_unique(t)

    def commit(self) -> None:
        """Keep every change made so far."""
        self.flush()
        self._saved = copy.deepcopy(self._tables)
        self.committed = True

    def rollback(self) -> None:
        """Forget every change since the last commit (objects read before are stale)."""
        self._tables = copy.deepcopy(self._saved)
        self._bind()

    def all_requests(self) -> list[Request]:
        """Every request in any status, by id."""
        return FakeRequestRepository(self._tables, self.flush).all()

    def all_seats(self) -> list[Seat]:
        """Every seat in any status, by id."""
        return FakeSeatRepository(self._tables, self.flush).all()

    def all_cases(self) -> list[ReclaimCase]:
        """Every reclaim case, by id."""
        return FakeCaseRepository(self._tables, self.flush).all()

    def all_tasks(self) -> list[Task]:
        """Every task, by id."""
        return FakeTaskRepository(self._tables, self.flush).all()

    def all_jobs(self, kind: str | None = None) -> list[Job]:
        """Every job (of one kind, if given), by id."""
        found = FakeJobRepository(self._tables, self.flush).all()
        return [j for j in found if kind is None or j.kind == kind]

    @property
    def locked_apps(self) -> list[str]:
        """The app keys locked for allocation, in order (repeats kept)."""
        return list(self._apps.locked)

    def _bind(self) -> None:
        t, flush = self._tables, self.flush
        self.requests = FakeRequestRepository(t, flush)
        self.people = FakePeopleRepository(t, flush)
        self.seats = FakeSeatRepository(t, flush)
        self.cases = FakeCaseRepository(t, flush)
        self.waves = FakeWaveRepository(t, flush)
        self.digests = FakeDigestRepository(t, flush)
        self.tasks = FakeTaskRepository(t, flush)
        self.jobs = FakeJobRepository(t, flush)
        self.audit = FakeAuditLog(t, flush)
        self.tokens = FakeTokenRepository(t, flush)
        self.groups = FakeGroupRepository(t, flush)


def _number(t: _Tables, table: str, rows: Sequence[_HasId]) -> None:
    for row in rows:
        if row.id is None:
            row.id = t.next_id(table)


def _check_messages(step: ApprovalStep) -> None:
    if not all(isinstance(m, ApprovalMessage) for m in step.messages):
        raise FakeIntegrityError(
            f"approval messages must be ApprovalMessage records: {step.messages}"
        )


def _check_unique(t: _Tables) -> None:
    rules: list[tuple[str, list[tuple[Any, ...]]]] = [
        ("people.email", [(p.email,) for p in t.people]),
        ("people.slack_user_id", [(p.slack_user_id,) for p in t.people if p.slack_user_id]),
        (
            "uq_requests_one_open",
            [
                (r.requester, r.app_key, r.tier_key)
                for r in t.requests
                if r.status in OPEN_REQUEST_STATUSES
            ],
        ),
        (
            "approval_steps (request_id, position)",
            [(s.request_id, s.position) for r in t.requests for s in r.steps],
        ),
        ("uq_seats_one_active", [(s.email, s.app_key) for s in t.seats if s.status in HELD]),
        (
            "uq_reclaim_cases_one_open",
            [(c.seat_id,) for c in t.cases if c.status in OPEN_CASE_STATUSES],
        ),
        ("jobs.key", [(j.key,) for j in t.jobs]),
        ("audit_events.prev_hash", [(e.prev_hash,) for e in t.audit if e.prev_hash]),
        ("uq_api_tokens_live_name", [(k.name,) for k in t.tokens if not k.revoked]),
        ("api_tokens.token_hash", [(k.token_hash,) for k in t.tokens]),
        ("scim_groups.display_name", [(g.display_name,) for g in t.groups]),
        (
            "pk_scim_group_members",
            [(g.id, m.person_id) for g in t.groups for m in g.members],
        ),
    ]
    for name, keys in rules:
        repeated = sorted(str(key) for key, n in Counter(keys).items() if n > 1)
        if repeated:
            raise FakeIntegrityError(f"{name} must be unique: {repeated}")
