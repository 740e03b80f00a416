"""The App Home reads only what the tab shows: the first few approvals and requests, each
list with a count of the rest, however many requests wait for the person."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from bot.config.loader import parse_config
from bot.slack.present import home_view
from messages import render
from store.catalog import sync_catalog
from store.db import session_factory
from store.uow import SqlUnitOfWork
from tests.fakes.clock import FakeClock
from tests.statements import statements
from workflows.catalog import Config
from workflows.commands import SubmitRequest
from workflows.model import Person
from workflows.requests import submit_request

APPROVER = "U0BOSS001"
CONFIG = """
slack: {it_channel: C0ITDESK1}
admins: [U0ADMIN01]
apps:
  - key: miro
    name: Miro
    owner: U0ADMIN01
    connector: {type: manual}
    tiers: [{key: standard, name: Standard, monthly_price: 10}]
    contract: {seats: 1000, renews_on: 2026-12-31, notice_days: 30}
  - key: figma
    name: Figma
    owner: U0ADMIN01
    connector: {type: manual}
    tiers: [{key: pro, name: Pro, monthly_price: 15}]
    contract: {seats: 1000, renews_on: 2026-12-31, notice_days: 30}
"""


@pytest.fixture
def config() -> Config:
    return parse_config(CONFIG, source="home.yml", env={})


def waiting_for_the_approver(engine: Engine, config: Config, count: int) -> None:
    """`count` pending requests, each by its own report of APPROVER, on two apps, and
    `count` requests by APPROVER itself."""
    clock = FakeClock()
    sync_catalog(engine, config)
    with SqlUnitOfWork(session_factory(engine)) as uow:
        uow.people.add(Person(email="boss@acme.test", slack_user_id=APPROVER))
        for n in range(count):
            uow.people.add(
                Person(
                    email=f"p{n}@acme.test",
                    slack_user_id=f"U0P{n:06d}",
                    manager_email="boss@acme.test",
                )
            )
        uow.commit()
    with SqlUnitOfWork(session_factory(engine)) as uow:
        for n in range(count):
            app, tier = ("miro", "standard") if n % 2 else ("figma", "pro")
            for who in (f"U0P{n:06d}", APPROVER):
                cmd = SubmitRequest(requester=who, app_key=app, tier_key=tier, reason="work")
                if who == APPROVER and n >= 2:
                    continue  # one open request per app and tier: the approver asks twice
                submit_request(cmd, uow=uow, config=config, clock=clock)
        uow.commit()


def test_the_home_holds_the_first_approvals_and_counts_the_rest(
    engine: Engine, config: Config
) -> None:
    waiting_for_the_approver(engine, config, 30)

    with SqlUnitOfWork(session_factory(engine), read_only=True) as uow:
        view = home_view(APPROVER, uow, config)

    assert len(view.approvals) == render.HOME_APPROVALS
    assert view.approvals_more == 30 - render.HOME_APPROVALS
    assert [card.id for card, _ in view.approvals] == sorted(card.id for card, _ in view.approvals)
    assert len(view.requests) == 2 and view.requests_more == 0
    text = str(render.home(view))
    assert f"…and {30 - render.HOME_APPROVALS} more requests waiting for you." in text


def test_opening_the_home_reads_the_same_few_rows_however_many_requests_wait(
    engine: Engine, config: Config
) -> None:
    waiting_for_the_approver(engine, config, 40)

    with SqlUnitOfWork(session_factory(engine), read_only=True) as uow, statements(engine) as sent:
        home_view(APPROVER, uow, config)

    # The person, their seats, the shown approvals with their steps, a count of the rest,
    # their own requests with their steps, and each app's free seats counted once (2 x 2).
    assert len(sent) <= 12, [sql.split("\n")[0] for sql, _ in sent]


def test_a_person_with_nothing_waiting_sees_no_count(engine: Engine, config: Config) -> None:
    waiting_for_the_approver(engine, config, 3)

    with SqlUnitOfWork(session_factory(engine), read_only=True) as uow:
        view = home_view("U0P000001", uow, config)

    assert view.approvals == [] and view.approvals_more == 0
    assert len(view.requests) == 1 and view.requests_more == 0
