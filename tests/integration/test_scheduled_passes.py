"""Scheduled passes run on one replica at a time, through a lease in the database."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from bot.passes.scheduler import build_scheduler, run_leased
from store import tables
from store.db import make_engine
from store.leases import release_lease, renew_lease, take_lease
from store.migrate import upgrade
from tests.fakes.clock import FakeClock

LEASE = dt.timedelta(seconds=30)
SHORT = dt.timedelta(seconds=0.3)  # renewed every 0.1 s while a pass runs
PATIENCE = 10.0  # seconds to wait for the heartbeat before the test fails


def _engine(database_url: str) -> Engine:
    engine = make_engine(database_url)
    upgrade(engine)
    return engine


def lease_row(engine: Engine, name: str) -> tuple[str, dt.datetime]:
    c = tables.leases.c
    with engine.connect() as connection:
        row = connection.execute(select(c.holder, c.until).where(c.name == name)).one()
    return row.holder, row.until


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.02)


def test_a_pass_is_skipped_while_another_replica_holds_its_lease(database_url: str) -> None:
    engine = _engine(database_url)
    clock = FakeClock()
    ran: list[str] = []
    try:
        assert take_lease(engine, "sync", "other-replica", clock.now(), dt.timedelta(minutes=30))
        assert run_leased(engine, clock, "sync", lambda: ran.append("sync"), lease=LEASE) is False
        release_lease(engine, "sync", "other-replica")
        assert run_leased(engine, clock, "sync", lambda: ran.append("sync"), lease=LEASE) is True
    finally:
        engine.dispose()
    assert ran == ["sync"]


def test_an_expired_lease_of_a_crashed_replica_is_taken_over(database_url: str) -> None:
    engine = _engine(database_url)
    clock = FakeClock()
    try:
        assert take_lease(engine, "digest", "crashed", clock.now(), dt.timedelta(minutes=30))
        clock.advance(minutes=31)
        assert take_lease(engine, "digest", "alive", clock.now(), dt.timedelta(minutes=30))
        assert not take_lease(engine, "digest", "crashed", clock.now(), dt.timedelta(minutes=30))
    finally:
        engine.dispose()


def test_the_scheduler_has_one_job_per_scheduled_pass_and_none_for_a_disabled_one(
    database_url: str,
) -> None:
    engine = _engine(database_url)
    try:
        scheduler = build_scheduler(
            engine,
            FakeClock(),
            {"sync": ("0 */6 * * *", lambda: None), "digest": (None, print)},
            lease=LEASE,
        )
        assert [job.id for job in scheduler.get_jobs()] == ["sync"]
    finally:
        engine.dispose()


def test_a_renewal_extends_only_a_lease_its_holder_still_holds(database_url: str) -> None:
    engine = _engine(database_url)
    clock = FakeClock()
    try:
        assert take_lease(engine, "sync", "first", clock.now(), LEASE)
        assert renew_lease(engine, "sync", "first", clock.now(), LEASE)
        assert not renew_lease(engine, "sync", "second", clock.now(), LEASE)
        clock.advance(minutes=1)  # the first holder stalled past its lease
        assert not renew_lease(engine, "sync", "first", clock.now(), LEASE)
        assert take_lease(engine, "sync", "second", clock.now(), LEASE)
        assert not renew_lease(engine, "sync", "first", clock.now(), LEASE)
        assert lease_row(engine, "sync") == ("second", clock.now() + LEASE)
    finally:
        engine.dispose()


def test_a_reminders_pass_that_outlives_its_lease_keeps_it_while_its_heartbeat_renews_it(
    database_url: str,
) -> None:
    engine = _engine(database_url)
    clock = FakeClock()
    taken_over: list[bool] = []

    def renewed() -> bool:  # at the time the clock shows now, not when the pass began
        return lease_row(engine, "reminders")[1] == clock.now() + SHORT

    def long_pass() -> None:
        for _ in range(4):  # two lease lengths in all, half a lease at a time
            clock.advance(seconds=SHORT.total_seconds() / 2)
            wait_for(renewed, "the heartbeat renewing the lease")
        taken_over.append(take_lease(engine, "reminders", "other", clock.now(), LEASE))

    try:
        assert run_leased(engine, clock, "reminders", long_pass, lease=SHORT) is True
        assert taken_over == [False]
        assert take_lease(engine, "reminders", "other", clock.now(), LEASE)  # given back
    finally:
        engine.dispose()


def test_a_pass_whose_lease_was_taken_over_after_a_stall_says_so_and_leaves_the_new_lease(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    engine = _engine(database_url)
    clock = FakeClock()

    def stalled_pass() -> None:
        clock.advance(seconds=SHORT.total_seconds() * 2)
        assert take_lease(engine, "reminders", "other", clock.now(), LEASE)
        wait_for(lambda: "lost the reminders lease" in caplog.text, "a log line saying so")

    try:
        assert run_leased(engine, clock, "reminders", stalled_pass, lease=SHORT) is True
        assert lease_row(engine, "reminders") == ("other", clock.now() + LEASE)
    finally:
        engine.dispose()
    lost = [r for r in caplog.records if "lost the reminders lease" in r.getMessage()]
    assert [r.levelname for r in lost] == ["ERROR"]


def test_a_pass_that_fails_gives_its_lease_back_at_once(database_url: str) -> None:
    engine = _engine(database_url)
    clock = FakeClock()

    def failing_pass() -> None:
        raise RuntimeError("the vendor broke")

    try:
        with pytest.raises(RuntimeError):
            run_leased(engine, clock, "reminders", failing_pass, lease=LEASE)
        assert take_lease(engine, "reminders", "other", clock.now(), LEASE)
    finally:
        engine.dispose()


def holder_as_pid_one() -> str:
    """The lease holder of a process that is pid 1 on this host, like a restarted container."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("needs unshare(1) to start a process as pid 1")
    code = "import bot.passes.scheduler; print(bot.passes.scheduler.HOLDER)"
    command = [unshare, "--user", "--map-root-user", "--pid", "--fork", sys.executable, "-c", code]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        pytest.skip(f"cannot start a process in a new pid namespace here: {result.stderr}")
    return result.stdout.strip()


def test_a_restarted_process_with_the_same_host_and_pid_is_a_different_lease_holder() -> None:
    before, after = holder_as_pid_one(), holder_as_pid_one()

    assert before.startswith(f"{socket.gethostname()}:1:")
    assert after.startswith(f"{socket.gethostname()}:1:")
    assert before != after
