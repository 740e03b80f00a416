"""`GET /healthz` (the process serves HTTP) and `GET /readyz` (it can do its work), over HTTP."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from bot.bootstrap import Container, build
from bot.config.loader import parse_config
from bot.config.settings import settings_from_env
from bot.sandbox.local import LocalSlack
from bot.web.app import create_app
from store import tables
from tests.fakes.clock import FakeClock
from tests.scenario.served import wait_for
from tests.scrape import scrape
from workflows import jobs
from workflows.model import JobStatus

SECRET = "test-signing-secret"
PASSWORD = "pg-s3cret-pass"


def container(
    database_url: str,
    slack_url: str | None = None,
    *,
    token: str | None = None,
    slack_env: dict[str, str] | None = None,
    **options: Any,
) -> Container:
    """The app's objects on `database_url`; Slack configured for HTTP when `token` is given,
    else with the variables in `slack_env`."""
    env = {"SEATKEEPER_DATABASE_URL": database_url, "SEATKEEPER_WORKER_INTERVAL": "0.05"}
    if slack_url is not None:
        env["SLACK_API_URL"] = slack_url
    if token is not None:
        env |= {"SLACK_BOT_TOKEN": token, "SLACK_SIGNING_SECRET": SECRET}
    env |= slack_env or {}
    config = parse_config("slack: {it_channel: C0ITOPS01}\n", source="test.yml", env=env)
    return build(settings_from_env(env), config, env=env, **options)


@contextmanager
def served(
    app: Container, *, background: bool = False, socket_mode: bool = False
) -> Iterator[TestClient]:
    """The HTTP app over `app`, its lifespan (and so any background work) running."""
    try:
        with TestClient(create_app(app, background=background, socket_mode=socket_mode)) as client:
            yield client
    finally:
        app.close()


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    with LocalSlack() as fake:
        yield fake


def test_healthz_answers_without_asking_the_database(tmp_path: Path) -> None:
    gone = f"sqlite:///{tmp_path / 'removed' / 'seatkeeper.db'}"

    with served(container(gone, prepare_database=False)) as client:
        response = client.get("/healthz")

    assert response.status_code == 200 and response.json() == {"ok": True}


def test_readyz_is_503_until_slack_is_configured_then_200(
    database_url: str, slack: LocalSlack
) -> None:
    with served(container(database_url, slack.url), background=True) as client:
        unconfigured = client.get("/readyz")
    with served(container(database_url, slack.url, token=slack.token), background=True) as client:
        configured = client.get("/readyz")

    assert unconfigured.status_code == 503
    assert unconfigured.json() == {
        "ready": False,
        "checks": {
            "database": "ok",
            "worker": "ok",
            "scheduler": "ok",
            "slack": "not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET",
        },
        "dead_jobs": 0,
    }
    assert configured.status_code == 200
    assert configured.json() == {
        "ready": True,
        "checks": {"database": "ok", "worker": "ok", "scheduler": "ok", "slack": "ok"},
        "dead_jobs": 0,
    }


BOT = {"SLACK_BOT_TOKEN": "xoxb-test"}
APP_TOKEN = {"SLACK_APP_TOKEN": "xapp-test"}
SIGNING = {"SLACK_SIGNING_SECRET": SECRET}


@pytest.mark.parametrize(
    ("slack_env", "socket_mode", "said"),
    [
        (BOT | APP_TOKEN, False, "not configured: set SLACK_SIGNING_SECRET"),
        (BOT | APP_TOKEN, True, "ok"),
        (BOT | SIGNING, True, "not configured: set SLACK_APP_TOKEN"),
        ({}, True, "not configured: set SLACK_BOT_TOKEN and SLACK_APP_TOKEN"),
    ],
)
def test_readyz_asks_for_the_slack_settings_of_the_way_slack_reaches_the_server(
    database_url: str, slack_env: dict[str, str], socket_mode: bool, said: str
) -> None:
    app = container(database_url, slack_env=slack_env)
    with served(app, socket_mode=socket_mode) as client:
        response = client.get("/readyz")

    assert response.json()["checks"]["slack"] == said
    assert response.status_code == (200 if said == "ok" else 503)


@pytest.mark.parametrize("where", ["sqlite_in_a_removed_folder", "postgresql_on_a_closed_port"])
def test_readyz_is_503_when_the_database_is_unreachable_and_never_shows_its_url(
    where: str, tmp_path: Path, slack: LocalSlack
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]  # nothing listens once the probe is closed
    url = {
        "sqlite_in_a_removed_folder": f"sqlite:///{tmp_path / 'removed' / 'seatkeeper.db'}",
        "postgresql_on_a_closed_port": (
            f"postgresql+psycopg://seatkeeper:{PASSWORD}@127.0.0.1:{closed_port}/seatkeeper"
        ),
    }[where]

    app = container(url, slack.url, token=slack.token, prepare_database=False)
    with served(app) as client:
        response = client.get("/readyz")
        health = client.get("/healthz")
        metrics = scrape(client)

    assert response.status_code == 503
    assert response.json() == {
        "ready": False,
        "checks": {"database": "unreachable", "slack": "ok"},
        "dead_jobs": None,
    }
    assert PASSWORD not in response.text and "removed" not in response.text
    assert health.status_code == 200
    assert metrics.value("seatkeeper_database_up") == 0
    assert PASSWORD not in metrics.text


def test_a_worker_that_has_stopped_makes_the_server_unready(
    database_url: str, slack: LocalSlack
) -> None:
    app = container(database_url, slack.url, token=slack.token)
    with served(app, background=True) as client:
        assert client.get("/readyz").status_code == 200
        app.worker.stop()
        response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["worker"] == "not running"


def test_a_worker_thread_held_by_a_call_that_never_returns_is_reported_stuck(
    database_url: str,
) -> None:
    clock = FakeClock()
    # Slack's address accepts connections and never answers them.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/api/"
        app = container(database_url, url, token="xoxb-test", clock=clock)
        with served(app, background=True) as client:
            job_id = _queue_notice(app)
            wait_for(lambda: _running(app, job_id), timeout=10, until="the job started")
            fresh = client.get("/readyz")
            clock.advance(minutes=3)  # longer than any job may keep a thread
            time.sleep(0.5)  # the idle threads look for work (every 0.05 s) at the new time
            stuck = client.get("/readyz")
            silent.close()  # the waiting call ends (connection reset); the thread is free

    assert fresh.status_code == 200
    assert stuck.status_code == 503
    worker = stuck.json()["checks"]["worker"]
    assert worker.startswith("stuck: thread seatkeeper-") and "180 s" in worker


def test_dead_jobs_are_counted_but_leave_the_server_ready(
    database_url: str, slack: LocalSlack
) -> None:
    app = container(database_url, slack.url, token=slack.token)
    with app.engine.begin() as connection:
        # A stored payload its kind cannot read: no retry can fix it, so it ends dead at once.
        connection.execute(insert(tables.jobs).values(_job_row(app, {"unknown": True})))
    app.worker.drain()

    with served(app) as client:
        response = client.get("/readyz")
        metrics = scrape(client)

    assert response.status_code == 200
    assert response.json()["dead_jobs"] == 1
    assert metrics.value("seatkeeper_jobs", state="dead", kind=jobs.IT_NOTICE) == 1


def _queue_notice(app: Container) -> int:
    with app.runner.uow() as uow:
        job = jobs.enqueue(uow, app.clock, jobs.ITNotice(event="text", text="hello"), "hello")
        uow.commit()
    app.worker.wake()
    assert job is not None and job.id is not None
    return job.id


def _running(app: Container, job_id: int) -> bool:
    with app.engine.connect() as connection:
        c = tables.jobs.c
        status = connection.execute(select(c.status).where(c.id == job_id)).scalar_one()
    return JobStatus(status) == JobStatus.RUNNING


def _job_row(app: Container, payload: dict[str, Any]) -> dict[str, Any]:
    now = app.clock.now()
    return {
        "kind": jobs.IT_NOTICE,
        "key": "unreadable",
        "payload": payload,
        "status": JobStatus.QUEUED,
        "attempts": 0,
        "max_attempts": 8,
        "run_after": now,
        "created_at": now,
        "claims": 0,
    }
