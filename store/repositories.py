"""Repositories: load and save domain objects in the unit of work's session. Never commit.

Each names its port (a Protocol in `workflows.ports`) as its base, so mypy holds it to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import (
    ColumnElement,
    CursorResult,
    String,
    and_,
    bindparam,
    case,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.event import listen
from sqlalchemy.orm import Session

from store import tables
from store.many import execute_many, select_once
from workflows import jobs, ports
from workflows.audit import seal
from workflows.model import (
    DECIDABLE_STEP_STATUSES,
    OPEN_CASE_STATUSES,
    OPEN_JOB_STATUSES,
    OPEN_REQUEST_STATUSES,
    AuditEvent,
    Job,
    JobStatus,
    Person,
    Request,
    RequestStatus,
    Seat,
    SeatStatus,
    Task,
    TaskStatus,
    normal_email,
)

HELD = (SeatStatus.ACTIVE, SeatStatus.RELEASING)
AUDIT_LOCK_KEY = 0x5EA7
IN_CHUNK = 1000  # values per IN (...): well inside SQLite's and PostgreSQL's parameter limits


def _held() -> ColumnElement[bool]:
    """A seat is held: the statuses written into the SQL, not bound, so that the planner may
    use the partial index of held seats (uq_seats_one_active) on (email, app)."""
    return tables.seats.c.status.in_([sa.literal_column(f"'{s.value}'") for s in HELD])


def _newer_activity() -> sa.Update:
    """Set a held seat's last activity and its words where `day` is newer (the rule of
    `workflows.sync.newer_activity`); parameters app, who, day and words."""
    c = tables.seats.c
    day = bindparam("day", type_=sa.Date)
    newer = or_(
        c.last_active_on.is_(None),
        c.last_active_on < day,
        and_(c.last_active_on == day, c.activity_source.is_(None)),
    )
    return (
        update(tables.seats)
        .where(c.app_key == bindparam("app"), _held(), c.email == bindparam("who"), newer)
        .values(last_active_on=day, activity_source=bindparam("words", type_=String))
    )


def _activity(*, by_email: bool) -> sa.Select[Any]:
    """(email, last activity, its words) of the seats held on app `app` by the emails e0 …
    e999 (parameters). `by_email` says the app as `app_key || ''`, which keeps SQLite (it has
    no statistics) from reading every held seat of the app through (app, status) for an IN of
    more than a few emails; PostgreSQL's planner weighs the indexes itself."""
    c = tables.seats.c
    listed = [bindparam(f"e{n}", type_=String) for n in range(IN_CHUNK)]
    app = bindparam("app", type_=String)
    on_app = c.app_key.op("||")(sa.literal_column("''")) == app if by_email else c.app_key == app
    query = select(c.email, c.last_active_on, c.activity_source)
    return query.where(on_app, _held(), c.email.in_(listed))


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# Built once: their compiled SQL is kept (store.many) and run for every batch of an import.
_NEWER_ACTIVITY = _newer_activity()
_ACTIVITY = _activity(by_email=False)
_ACTIVITY_BY_EMAIL = _activity(by_email=True)


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

    def all(self) -> list[Person]:
        """Everyone in the directory, by email."""
        return list(self.session.scalars(select(Person).order_by(tables.people.c.email)))


def _each_in(session: Session, column: ColumnElement[Any], values: list[str]) -> list[Person]:
    """People whose `column` is one of `values` (sorted), in that order, a chunk per query."""
    found: list[Person] = []
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start : start + IN_CHUNK]
        found += session.scalars(select(Person).where(column.in_(chunk)).order_by(column))
    return found


class SqlSeatRepository(ports.SeatRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, seat: Seat) -> None:
        """Stage a new seat."""
        self.session.add(seat)

    def get(self, seat_id: int, *, for_update: bool = False) -> Seat | None:
        """The seat with this id, in any status; `for_update` locks its row until commit."""
        query = select(Seat).where(tables.seats.c.id == seat_id)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(query).first()

    def active_for(self, email: str, app_key: str) -> Seat | None:
        """The seat this person holds on the app, if any."""
        c = tables.seats.c
        query = select(Seat).where(
            c.email == normal_email(email), c.app_key == app_key, c.status.in_(HELD)
        )
        return self.session.scalars(query).first()

    def count_active(self, app_key: str, tiers: Collection[str] | None = None) -> int:
        """Seats held on the app (on `tiers`, if given)."""
        c = tables.seats.c
        query = select(func.count()).where(c.app_key == app_key, c.status.in_(HELD))
        if tiers is not None:
            query = query.where(c.tier_key.in_(sorted(tiers)))
        return self.session.scalar(query) or 0

    def held_on(self, app_key: str) -> list[Seat]:
        """Seats held on the app."""
        c = tables.seats.c
        query = select(Seat).where(c.app_key == app_key, c.status.in_(HELD))
        return list(self.session.scalars(query.order_by(c.email)))

    def activity_on(
        self, app_key: str, emails: Iterable[str]
    ) -> dict[str, tuple[dt.date | None, str | None]]:
        """Email -> (last activity, its words) of the seats held on the app by any of `emails`
        (case-insensitive), read as plain rows, a query per chunk of emails."""
        wanted = list(set(map(normal_email, emails)))
        found: dict[str, tuple[dt.date | None, str | None]] = {}
        for start in range(0, len(wanted), IN_CHUNK):
            chunk = wanted[start : start + IN_CHUNK]
            chunk += chunk[-1:] * (IN_CHUNK - len(chunk))  # a repeat is found once
            row = {"app": app_key, **{f"e{n}": email for n, email in enumerate(chunk)}}
            query = _ACTIVITY if _is_postgres(self.session) else _ACTIVITY_BY_EMAIL
            rows = select_once(self.session.connection(), query, row)
            found.update((email, (day, words)) for email, day, words in rows)
        return found

    def record_activity(
        self, app_key: str, changes: Mapping[str, tuple[dt.date, str | None]]
    ) -> None:
        """Set the last activity and its words of the app's held seats of these emails, in one
        executemany (the session's objects are not refreshed: read them again after)."""
        if not changes:
            return
        c = tables.seats.c
        statement = (
            update(tables.seats)
            .where(c.app_key == app_key, _held(), c.email == bindparam("who"))
            .values(last_active_on=bindparam("day"), activity_source=bindparam("words"))
        )
        rows = [
            {"who": normal_email(who), "day": day, "words": words}
            for who, (day, words) in changes.items()
        ]
        self.session.connection().execute(statement, rows)

    def record_newer_activity(self, app_key: str, usage: Mapping[str, dt.date], words: str) -> int:
        """Record each (normal) email's day as the last activity (with `words`) of its seat held
        on the app where it is newer, as `workflows.sync.newer_activity` says; return the
        seats changed. The UPDATE compares too, so a date written meanwhile is not undone."""
        fixed = {"app": app_key, "words": words}
        rows = [{"who": who, "day": day, **fixed} for who, day in usage.items()]
        return execute_many(self.session.connection(), _NEWER_ACTIVITY, rows)

    def worth_a_look(
        self, app_keys: Collection[str], *, used_before: dt.date, ending_by: dt.date
    ) -> list[Seat]:
        """Seats held on these apps that were not used since `used_before` (or have no date),
        end by `ending_by`, or have an open reclaim case, by app and email."""
        c, cases = tables.seats.c, tables.reclaim_cases.c
        open_ids = select(cases.seat_id).where(cases.status.in_(list(OPEN_CASE_STATUSES)))
        wanted = set(app_keys)
        if len(wanted) == 1:
            # One app's held seats are few enough to read through the (app, status) index.
            due: ColumnElement[bool] = or_(
                c.last_active_on.is_(None),
                c.last_active_on < used_before,
                c.end_date <= ending_by,
                c.id.in_(open_ids),
            )
            query = select(Seat).where(c.app_key == next(iter(wanted)), due)
        else:
            # Across apps each way in is an index (last use, end date, open cases), so the
            # database reads the few candidates, not every held seat; an OR would scan them.
            due_ids = sa.union(
                select(c.id).where(or_(c.last_active_on.is_(None), c.last_active_on < used_before)),
                select(c.id).where(c.end_date <= ending_by),
                open_ids,
            )
            query = select(Seat).where(c.id.in_(due_ids))
        # Many apps are picked here, not by an IN of hundreds of keys in the query.
        seats = self.session.scalars(query.where(c.status.in_(HELD)).order_by(c.app_key, c.email))
        return [seat for seat in seats if seat.app_key in wanted]

    def held_by(self, email: str) -> list[Seat]:
        """Seats this person holds."""
        c = tables.seats.c
        query = select(Seat).where(c.email == normal_email(email), c.status.in_(HELD))
        return list(self.session.scalars(query.order_by(c.app_key)))

    def revoked_since(self, app_key: str, since: dt.date) -> set[str]:
        """Emails whose seat on the app was revoked on or after `since`."""
        c = tables.seats.c
        query = select(c.email).where(
            c.app_key == app_key, c.status == SeatStatus.REVOKED, c.ended_on >= since
        )
        return set(self.session.scalars(query))

    def held(self) -> list[Seat]:
        """Every seat held, on any app, by app and email."""
        c = tables.seats.c
        query = select(Seat).where(c.status.in_(HELD)).order_by(c.app_key, c.email)
        return list(self.session.scalars(query))

    def tally(self, app_keys: Collection[str], since: dt.date) -> list[ports.SeatTally]:
        """Seats held per app (of `app_keys`) and tier, and of those the ones used since `since`."""
        c = tables.seats.c
        used = func.count(case((c.last_active_on >= since, 1)))
        query = (
            select(c.app_key, c.tier_key, func.count(), used)
            .where(c.status.in_(HELD))
            .group_by(c.app_key, c.tier_key)
        )
        # The apps are picked here, not by an IN in the query: that would read the seats
        # through the (app, status) index one by one instead of scanning the table once.
        wanted = set(app_keys)
        return [ports.SeatTally(*row) for row in self.session.execute(query) if row[0] in wanted]

    def held_by_leavers(self) -> list[Seat]:
        """Active seats whose holder the directory marks inactive, by email and app."""
        c, p = tables.seats.c, tables.people.c
        # From the (few) leavers to their seats by the email index, not a join over every seat.
        leavers = select(p.email).where(p.active.is_(False))
        query = (
            select(Seat)
            .where(c.email.in_(leavers), c.status == SeatStatus.ACTIVE)
            .order_by(c.email, c.app_key)
        )
        return list(self.session.scalars(query))


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


class SqlJobRepository(ports.JobRepository):
    def __init__(self, session: Session) -> None:
        self.session = session
        self._staged: set[str] = set()  # keys added in this unit of work
        self.staged_kinds: set[str] = set()  # ... and their kinds (whom to wake after commit)

    def add(self, job: Job) -> bool:
        """Stage a job unless one with the same key exists; True when added.

        The job is inserted with the transaction's other rows, not flushed on its own. Should a
        concurrent transaction commit the same key first, the unique key fails this commit, and
        the runner re-runs the verb, which then finds the job.
        """
        if job.key in self._staged:
            return False
        exists = select(tables.jobs.c.id).where(tables.jobs.c.key == job.key)
        with self.session.no_autoflush:
            if self.session.scalar(exists) is not None:
                return False
        self.session.add(job)
        self._staged.add(job.key)
        self.staged_kinds.add(job.kind)
        return True

    def get(self, job_id: int) -> Job | None:
        """The job with this id."""
        return self.session.get(Job, job_id)

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
        """Lease up to `limit` due jobs (or ones whose lease ran out) to `holder`, oldest first.

        `kinds` limits the claim to those job kinds, `exclude` leaves those out; a job waits
        while an earlier job of its queue is still queued or running.
        """
        c = tables.jobs.c
        # The open statuses are written into the SQL as literals, not bound: SQLite uses a
        # partial index (ix_jobs_open, ix_jobs_open_queue) only when the query spells out its
        # condition.
        open_ = [sa.literal(s.value, literal_execute=True) for s in OPEN_JOB_STATUSES]
        earlier = tables.jobs.alias("earlier")
        blocked = (
            select(earlier.c.id)
            .where(
                earlier.c.queue == c.queue,
                earlier.c.id < c.id,
                earlier.c.status.in_(open_),
            )
            .exists()
        )
        due = or_(
            (c.status == JobStatus.QUEUED) & (c.run_after <= now),
            (c.status == JobStatus.RUNNING) & (c.leased_until < now),
        ) & (c.queue.is_(None) | ~blocked)
        # `due` implies the job is open; saying so lets the claim walk the open jobs in id order
        # (ix_jobs_open) and stop at the limit, however many finished jobs the table keeps.
        query = select(Job).where(c.status.in_(open_), due).order_by(c.id).limit(limit)
        if kinds is not None:
            query = query.where(c.kind.in_(sorted(kinds)))
        if exclude:
            query = query.where(c.kind.not_in(sorted(exclude)))
        query = query.with_for_update(skip_locked=True).execution_options(populate_existing=True)
        claimed = list(self.session.scalars(query))
        for job in claimed:
            jobs.claim(job, now=now, lease=lease, holder=holder)
        return claimed

    def renew(self, holder: str, job_ids: Collection[int], until: dt.datetime) -> int:
        """Extend the leases `holder` still holds on these jobs; return how many it holds."""
        if not job_ids:
            return 0
        c = tables.jobs.c
        statement = (
            update(tables.jobs)
            .where(
                c.id.in_(sorted(job_ids)),
                c.lease_holder == holder,
                c.status == JobStatus.RUNNING,
            )
            .values(leased_until=until)
            .execution_options(synchronize_session=False)
        )
        # An UPDATE's result is a CursorResult (it has the rowcount); Session.execute is typed
        # with the plain Result of a SELECT.
        renewed = cast(CursorResult[Any], self.session.execute(statement))
        return renewed.rowcount or 0

    def held_by(self, holder: str) -> list[Job]:
        """The running jobs `holder` holds a lease on, locked until commit."""
        c = tables.jobs.c
        query = select(Job).where(c.lease_holder == holder, c.status == JobStatus.RUNNING)
        query = query.with_for_update().execution_options(populate_existing=True)
        return list(self.session.scalars(query.order_by(c.id)))


class SqlAuditLog(ports.AuditLog):
    def __init__(self, session: Session) -> None:
        self.session = session
        # Events are chained as the transaction commits: the chain's end is locked (an advisory
        # lock on PostgreSQL, SQLite's write lock) only for the last few statements, not for
        # the whole transaction, so deciding transactions overlap until their commits.
        self._staged: list[AuditEvent] = []
        listen(session, "before_commit", self._seal)
        listen(session, "after_soft_rollback", self.discard)

    def append(self, event: AuditEvent) -> None:
        """Stage the event; it is numbered and chained to the last one when the unit commits."""
        self._staged.append(event)

    def _seal(self, *_: object) -> None:
        if not self._staged:
            return
        seq, prev_hash = self._lock_and_read_last()
        for event in self._staged:
            seq += 1
            prev_hash = seal(event, seq, prev_hash).hash
        self.session.add_all(self._staged)
        self._staged = []

    def _lock_and_read_last(self) -> tuple[int, str | None]:
        if _is_postgres(self.session):
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY}
            )
        c = tables.audit_events.c
        last = self.session.execute(select(c.seq, c.hash).order_by(c.seq.desc()).limit(1)).first()
        return (last.seq, last.hash) if last else (0, None)

    def discard(self, *_: object) -> None:
        """Forget the staged events: a rolled-back unit of work records nothing."""
        self._staged = []

    def all(self) -> list[AuditEvent]:
        """Every event in order."""
        return list(self.session.scalars(select(AuditEvent).order_by(tables.audit_events.c.seq)))


class SqlAppRepository(ports.AppRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self, app_key: str) -> None:
        """Serialise seat allocation for one app until commit (a row lock on PostgreSQL)."""
        query = select(tables.apps.c.key).where(tables.apps.c.key == app_key).with_for_update()
        self.session.execute(query)
