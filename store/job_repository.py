"""The jobs repository: the durable queue of side effects. Never commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from store import tables
from workflows import jobs, ports
from workflows.model import (
    OPEN_JOB_STATUSES,
    Job,
    JobStatus,
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
