"""The unit of work: owns the session and the commit; repositories never commit."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from store.audit_log import SqlAuditLog
from store.cases import SqlCaseRepository, SqlDigestRepository, SqlWaveRepository
from store.db import READ_ONLY
from store.groups import SqlGroupRepository
from store.job_repository import SqlJobRepository
from store.repositories import (
    SqlAppRepository,
    SqlPeopleRepository,
    SqlRequestRepository,
    SqlTaskRepository,
)
from store.seat_repository import SqlSeatRepository
from store.tokens import SqlTokenRepository
from workflows.ports import UnitOfWork


class SqlUnitOfWork(UnitOfWork):
    """A transaction with the repositories bound to it. Use as a context manager.

    Its repositories are typed as the port declares them (a Protocol's attributes are
    invariant), so nothing beyond the ports is reached through them.
    """

    def __init__(self, sessions: sessionmaker[Session], *, read_only: bool = False) -> None:
        self._sessions = sessions
        self._read_only = read_only
        self.session: Session | None = None

    def __enter__(self) -> SqlUnitOfWork:
        session = self._sessions()
        if self._read_only:
            session.connection(execution_options={READ_ONLY: True})
        self.session = session
        self.requests = SqlRequestRepository(session)
        self.people = SqlPeopleRepository(session)
        self.seats = SqlSeatRepository(session)
        self.cases = SqlCaseRepository(session)
        self.waves = SqlWaveRepository(session)
        self.digests = SqlDigestRepository(session)
        self.tasks = SqlTaskRepository(session)
        self._jobs = SqlJobRepository(session)
        self.jobs = self._jobs
        self._audit = SqlAuditLog(session)
        self.audit = self._audit
        self.apps = SqlAppRepository(session)
        self.tokens = SqlTokenRepository(session)
        self.groups = SqlGroupRepository(session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self.session is not None
        try:
            if exc_type is not None:
                self.session.rollback()
        finally:
            # close() ends any open transaction without expiring what was read, so objects
            # loaded for display stay readable after the block.
            self.session.close()
            self.session = None

    def flush(self) -> None:
        """Send pending changes so generated ids are known."""
        self._live().flush()

    def commit(self) -> None:
        """Make every change of this unit of work permanent, or none of them."""
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        self._live().commit()

    def rollback(self) -> None:
        """Forget every change of this unit of work."""
        self._live().rollback()
        self._audit.discard()  # staged events may not have begun a transaction to roll back

    def staged_job_kinds(self) -> frozenset[str]:
        """The kinds of the jobs this unit of work added (queued once it commits)."""
        return frozenset(self._jobs.staged_kinds)

    def _live(self) -> Session:
        if self.session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self.session


def is_conflict(exc: BaseException) -> bool:
    """True when another transaction changed the same rows first, so a re-run is safe."""
    if isinstance(exc, IntegrityError | StaleDataError):
        return True
    if isinstance(exc, OperationalError):
        code = getattr(exc.orig, "sqlstate", None)
        return code in ("40001", "40P01") or "database is locked" in str(exc)
    return False
