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


def readiness(
    container: Container, *, background: bool, socket_mode: bool = False
) -> dict[str, Any]:
    """`ready`, each check's answer, and the dead-job count (None when it cannot be read).

    The worker and the scheduler are checked only when this process runs them (`background`);
    Slack's settings are those of the way Slack reaches this process (`socket_mode` or HTTP).
    """
    database, dead = _database(container)
    checks = {"database": database}
    if background:
        for name, problem in container.background.problems().items():
            checks[name] = problem or OK
    checks["slack"] = _slack(container, socket_mode=socket_mode)
    ready = all(answer == OK for answer in checks.values())
    return {"ready": ready, "checks": checks, "dead_jobs": dead}


def _slack(container: Container, *, socket_mode: bool) -> str:
    # Over HTTP, /slack/events answers 503 until it can check signatures; Socket Mode has no
    # signatures to check (Slack authenticates the connection made with the app-level token).
    settings = container.settings
    needs = {"SLACK_BOT_TOKEN": settings.slack_bot_token}
    if socket_mode:
        needs["SLACK_APP_TOKEN"] = settings.slack_app_token
        serving = container.bolt is not None
    else:
        needs["SLACK_SIGNING_SECRET"] = settings.slack_signing_secret
        serving = container.bolt is not None and container.slack_signature is not None
    missing = [name for name, value in needs.items() if not value or not value.get_secret_value()]
    if serving and not missing:
        return OK
    return f"not configured: set {' and '.join(missing or needs)}"


def _database(container: Container) -> tuple[str, int | None]:
    # Never the error's own text: it may hold the database URL, and with it a password.
    try:
        ping(container.engine)
        return OK, dead_jobs(unfinished_jobs(container.engine))
    except SQLAlchemyError:
        return "unreachable", None
