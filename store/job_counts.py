"""How many jobs wait, run or gave up, by kind: one small GROUP BY for health checks and metrics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, func, select

from store import tables
from workflows.model import JobStatus

# Done jobs stay as history and are never counted: the query reads only the index's few
# unfinished rows, however long the history grows.
UNFINISHED = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.DEAD)


@dataclass(frozen=True)
class JobGroup:
    """The unfinished jobs of one status and kind."""

    status: JobStatus
    kind: str
    count: int
    oldest_created: dt.datetime | None  # when the oldest of them was queued first
    earliest_run_after: dt.datetime  # when the first of them was (or is) due to run


def unfinished_jobs(engine: Engine) -> list[JobGroup]:
    """Queued, running and dead jobs grouped by status and kind; a read that locks nothing."""
    c = tables.jobs.c
    query = (
        select(c.status, c.kind, func.count(), func.min(c.created_at), func.min(c.run_after))
        .where(c.status.in_(UNFINISHED))
        .group_by(c.status, c.kind)
        .order_by(c.status, c.kind)
    )
    # AUTOCOMMIT: on SQLite a transaction would wait for, and take, the write lock.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return [JobGroup(*row) for row in connection.execute(query)]


def dead_jobs(groups: list[JobGroup]) -> int:
    """How many of the jobs in `groups` gave up."""
    return sum(group.count for group in groups if group.status == JobStatus.DEAD)
