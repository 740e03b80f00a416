"""The audit log: events staged by a transaction and chained to the log as it commits."""

from __future__ import annotations

import operator

from sqlalchemy import insert, select, text
from sqlalchemy.event import listen
from sqlalchemy.orm import Session

from store import tables
from store.db import is_postgres
from store.many import bound, bound_names, execute_values
from workflows import ports
from workflows.audit import chain
from workflows.model import AuditEntry, AuditEvent

AUDIT_LOCK_KEY = 0x5EA7
_FIELDS = ("at", "actor", "action", "subject", "data", "seq", "prev_hash", "hash")
_ENTRY_VALUES = operator.attrgetter(*_FIELDS[:5])
_PARAMETERS = bound_names(_FIELDS)
_APPEND = insert(tables.audit_events).values(bound(_FIELDS))


class SqlAuditLog(ports.AuditLog):
    def __init__(self, session: Session) -> None:
        self.session = session
        # Events are chained as the transaction commits: the chain's end is locked (an advisory
        # lock on PostgreSQL, SQLite's write lock) only for the last few statements, not for
        # the whole transaction, so deciding transactions overlap until their commits.
        self._staged: list[AuditEntry] = []
        listen(session, "before_commit", self._seal)
        listen(session, "after_soft_rollback", self.discard)

    def append(self, entry: AuditEntry) -> None:
        """Stage the entry; it is numbered and chained to the last one when the unit commits."""
        self._staged.append(entry)

    def _seal(self, *_: object) -> None:
        """Number and chain the staged entries and write them with one statement."""
        if not self._staged:
            return
        staged, self._staged = self._staged, []
        seq, prev_hash = self._lock_and_read_last()
        links = chain(staged, seq, prev_hash)
        rows = [(*_ENTRY_VALUES(entry), *link) for entry, link in zip(staged, links, strict=True)]
        execute_values(self.session.connection(), _APPEND, _PARAMETERS, rows)

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
