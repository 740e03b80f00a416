"""Run one workflow verb in its own unit of work, committing once and retrying lost races."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from store.uow import SqlUnitOfWork, is_conflict
from workflows.catalog import Config
from workflows.ports import Clock

T = TypeVar("T")
log = logging.getLogger(__name__)
ATTEMPTS = 4


class Runner:
    """Calls `verb(..., uow=, config=, clock=)` and commits; a conflict re-runs the verb."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        config: Config,
        clock: Clock,
        *,
        after_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self.sessions = sessions
        self.config = config
        self.clock = clock
        self.after_commit = after_commit  # e.g. wake the job worker: new jobs may be queued

    def uow(self) -> SqlUnitOfWork:
        """A fresh unit of work (for reads and for the job worker)."""
        return SqlUnitOfWork(self.sessions)

    def __call__(self, verb: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self.uow() as uow:
                    result = verb(*args, uow=uow, config=self.config, clock=self.clock, **kwargs)
                    uow.commit()
                    self.after_commit()
                    return result
            except Exception as exc:
                if not is_conflict(exc) or attempt == ATTEMPTS:
                    raise
                log.info("retrying %s after a conflict: %s", verb.__name__, exc)
        raise AssertionError("unreachable")

    def rehearse(self, verb: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run `verb` as `__call__` would, then roll everything back (a dry run)."""
        with self.uow() as uow:
            result = verb(*args, uow=uow, config=self.config, clock=self.clock, **kwargs)
            uow.rollback()
        return result
