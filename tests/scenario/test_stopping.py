"""A server that stops or hangs on a vendor holds nobody's work: real processes, real signals."""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from store import tables
from store.db import make_engine
from tests.scenario.served import Served, served, wait_for
from tests.scenario.world import ALICE, DANA
from workflows.model import JobStatus


@pytest.fixture
def hung_vendor() -> Iterator[str]:
    """A SCIM base URL whose server accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/scim/v2"
    listener.close()
    for connection in held:
        connection.close()


@pytest.fixture
def stuck(database_url: str, tmp_path: Path, hung_vendor: str) -> Iterator[Served]:
    with served(database_url, tmp_path, scim_url=hung_vendor) as world:
        yield world


def _provision_jobs(database_url: str) -> list[tuple[str, str | None]]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            c = tables.jobs.c
            rows = connection.execute(select(c.status, c.lease_holder).where(c.kind == "provision"))
            return [(str(status), holder) for status, holder in rows]
    finally:
        engine.dispose()


def _running(database_url: str) -> bool:
    return [status for status, _ in _provision_jobs(database_url)] == [JobStatus.RUNNING.value]


def test_sigterm_hands_back_a_job_stuck_on_a_vendor_so_another_server_takes_it_at_once(
    stuck: Served, database_url: str
) -> None:
    replica = stuck.start()
    assert stuck.request(ALICE, "figma:viewer", replica).status_code == 200  # approved at once
    wait_for(lambda: _running(database_url), timeout=20)

    replica.process.send_signal(signal.SIGTERM)
    started = time.monotonic()
    replica.process.wait(timeout=20)

    assert time.monotonic() - started < 15, "the server stopped instead of waiting on the vendor"
    assert _provision_jobs(database_url) == [(JobStatus.QUEUED.value, None)], stuck.logs()


def test_a_vendor_that_never_answers_holds_up_no_slack_message(
    stuck: Served, database_url: str
) -> None:
    replica = stuck.start()
    stuck.request(ALICE, "figma:viewer", replica)
    wait_for(lambda: _running(database_url), timeout=20)

    stuck.request(ALICE, "miro:standard", replica)  # Dana is asked: Slack messages only

    # The vendor call times out after 20 s; the approval must not wait for it.
    wait_for(lambda: stuck.slack.messages(f"D{DANA[1:]}"), timeout=10)
    assert _running(database_url), "the vendor call is still hanging meanwhile"
