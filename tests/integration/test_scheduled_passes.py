"""Scheduled passes run on one replica at a time, through a lease in the database."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from bot.scheduler import build_scheduler, run_leased
from store.db import make_engine
from store.leases import release_lease, take_lease
from store.migrate import upgrade
from tests.fakes.clock import FakeClock


def _engine(database_url: str) -> Engine:
    engine = make_engine(database_url)
    upgrade(engine)
    return engine


def test_a_pass_is_skipped_while_another_replica_holds_its_lease(database_url: str) -> None:
    engine = _engine(database_url)
    clock = FakeClock()
    ran: list[str] = []
    try:
        assert take_lease(engine, "sync", "other-replica", clock.now(), dt.timedelta(minutes=30))
        assert run_leased(engine, clock, "sync", lambda: ran.append("sync")) is False
        release_lease(engine, "sync", "other-replica")
        assert run_leased(engine, clock, "sync", lambda: ran.append("sync")) is True
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
            engine, FakeClock(), {"sync": ("0 */6 * * *", lambda: None), "digest": (None, print)}
        )
        assert [job.id for job in scheduler.get_jobs()] == ["sync"]
    finally:
        engine.dispose()
