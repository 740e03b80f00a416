"""Run one workflow verb in its own unit of work, committing once and retrying lost races.

Every verb the runner runs has one signature, `verb(cmd, *, uow, config, clock) -> Outcome`
(`workflows.ports.Verb`), and is run as `runner(verb, cmd)`: mypy checks that each verb gets
its own command type.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from bot.runtime.delivery import record_in
from store.uow import SqlUnitOfWork, is_conflict
from workflows.catalog import Config
from workflows.ports import Clock, Verb

C = TypeVar("C")
R = TypeVar("R")  # what the verb returns: its outcome
log = logging.getLogger(__name__)
ATTEMPTS = 4


class Runner:
    """Calls `verb(cmd, uow=, config=, clock=)` and commits; a conflict re-runs the verb."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: Config,
        clock: Clock,
        *,
        after_commit: Callable[[Collection[str]], None] = lambda _kinds: None,
    ) -> None:
        self.sessions = sessions
        self.config = config
        self.clock = clock
        # Told the kinds of the jobs each commit queued: e.g. wakes the worker threads for them.
        self.after_commit = after_commit

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work (for the job worker, and reads that must see no later write)."""
        return SqlUnitOfWork(self.sessions)

    def reading(self) -> SqlUnitOfWork:
        """A unit of work that only reads: on SQLite it waits for no writer, and none for it."""
        return SqlUnitOfWork(self.sessions, read_only=True)

    def __call__(self, verb: Verb[C, R], cmd: C, /) -> R:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self.uow() as uow:
                    assert uow.session is not None  # set for the `with` block
                    delivery = record_in(uow.session)
                    result = verb(cmd, uow=uow, config=self.config, clock=self.clock)
                    uow.commit()
                    if delivery is not None:
                        delivery.recorded = True
                    self.after_commit(uow.staged_job_kinds())
                    return result
            except Exception as exc:
                if not is_conflict(exc) or attempt == ATTEMPTS:
                    raise
                log.info("retrying %s after a conflict: %s", getattr(verb, "__name__", verb), exc)
        raise AssertionError("unreachable")

    def rehearse(self, verb: Verb[C, R], cmd: C, /) -> R:
        """Run `verb` as `__call__` would, then roll everything back (a dry run). The catalog
        is as the config has it, as a real run finds it once the database is prepared."""
        with self.uow() as uow:
            uow.apps.mirror(self.config)
            result = verb(cmd, uow=uow, config=self.config, clock=self.clock)
            uow.rollback()
        return result
