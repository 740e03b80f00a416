"""One Approve is a bounded handful of statements in one transaction, and the app's lock (held
to the commit) covers as few of them as it can, so deciders of one app queue for little."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bot.config.loader import parse_config
from bot.runtime.runner import Runner
from store.catalog import sync_catalog
from store.db import session_factory
from store.uow import SqlUnitOfWork
from tests.fakes.clock import FakeClock
from tests.statements import statements
from workflows.catalog import Config
from workflows.commands import Decide, SubmitRequest
from workflows.model import Person, RequestStatus
from workflows.requests import decide, submit_request

BOSS, ALICE = "U0BOSS001", "U0ALICE01"
CONFIG = """
slack: {it_channel: C0ITDESK1}
admins: [U0ADMIN01]
apps:
  - key: miro
    name: Miro
    owner: U0ADMIN01
    connector: {type: manual}
    tiers: [{key: standard, name: Standard, monthly_price: 10}]
    contract: {seats: 100, renews_on: 2026-12-31, notice_days: 30}
"""
# What one Approve sends when it approves the last step of a manual app: the request and its
# steps, the step and request updates, the seat checks, the IT task, four jobs (each looked up
# by key) and the audit events. Measured at 22; a couple spare for harmless changes.
MOST = 24
# From the app's lock on: the lock, the waitlist check, the seat count, the task and the jobs
# it queues, the audit chain's end and the commit's rows. Measured at 13 (15 when the
# requester's own seats were read under the lock).
MOST_UNDER_LOCK = 13


@pytest.fixture
def pending(engine: Engine) -> tuple[Runner, Decide]:
    config: Config = parse_config(CONFIG, source="approve.yml", env={})
    sync_catalog(engine, config)
    clock = FakeClock()
    runner = Runner(session_factory(engine), config, clock)
    with SqlUnitOfWork(session_factory(engine)) as uow:
        uow.people.add(Person(email="boss@acme.test", slack_user_id=BOSS))
        uow.people.add(
            Person(email="alice@acme.test", slack_user_id=ALICE, manager_email="boss@acme.test")
        )
        uow.commit()
    cmd = SubmitRequest(requester=ALICE, app_key="miro", tier_key="standard", reason="work")
    request_id = runner(submit_request, cmd).request_id
    with runner.reading() as uow:
        request = uow.requests.get(request_id)
        assert request is not None
        step_id = request.steps[0].id or 0
    return runner, Decide(request_id=request_id, step_id=step_id, actor=BOSS, approve=True)


def test_one_approve_sends_a_bounded_number_of_statements(
    engine: Engine, pending: tuple[Runner, Decide]
) -> None:
    runner, cmd = pending

    with statements(engine) as sent:
        outcome = runner(decide, cmd)

    assert outcome.status == RequestStatus.MANUAL_TASK
    assert len(sent) <= MOST, "\n".join(sql.split("\n")[0] for sql, _ in sent)


def test_the_apps_lock_covers_only_the_count_the_allocation_and_the_commit(
    engine: Engine, pending: tuple[Runner, Decide]
) -> None:
    runner, cmd = pending

    with statements(engine) as sent:
        runner(decide, cmd)

    heads = [" ".join(sql.split())[:80] for sql, _ in sent]
    lock = next(n for n, sql in enumerate(heads) if "FROM apps WHERE" in sql)
    decided = next(n for n, sql in enumerate(heads) if sql.startswith("UPDATE approval_steps"))
    assert decided < lock
    assert len(heads) - lock <= MOST_UNDER_LOCK, "\n".join(heads[lock:])
