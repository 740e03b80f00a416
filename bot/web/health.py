"""Readiness (`GET /readyz`): each check answers "ok" or says in a few words what is wrong.

Dead jobs are counted but do not make a server unready: they wait for a person, and taking
the server out of service or restarting it would not bring them back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.bootstrap import Container
from store.db import ping
from store.job_counts import dead_jobs, unfinished_jobs

OK = "ok"
SLACK_NOT_CONFIGURED = "not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"


def readiness(container: Container, *, background: bool) -> dict[str, Any]:
    """`ready`, each check's answer, and the dead-job count (None when it cannot be read).

    The worker and the scheduler are checked only when this process runs them (`background`).
    """
    database, dead = _database(container)
    checks = {"database": database}
    if background:
        for name, problem in container.background.problems().items():
            checks[name] = problem or OK
    checks["slack"] = OK if container.bolt is not None else SLACK_NOT_CONFIGURED
    ready = all(answer == OK for answer in checks.values())
    return {"ready": ready, "checks": checks, "dead_jobs": dead}


def _database(container: Container) -> tuple[str, int | None]:
    # Never the error's own text: it may hold the database URL, and with it a password.
    try:
        ping(container.engine)
        return OK, dead_jobs(unfinished_jobs(container.engine))
    except SQLAlchemyError:
        return "unreachable", None
