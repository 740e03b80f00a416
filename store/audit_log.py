"""The audit log: events staged by a transaction and chained to the log as it commits."""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.event import listen
from sqlalchemy.orm import Session

from store import tables
from store.db import is_postgres
from workflows import ports
from workflows.audit import seal
from workflows.model import (
    AuditEvent,
)

AUDIT_LOCK_KEY = 0x5EA7


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
        if is_postgres(self.session):
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
