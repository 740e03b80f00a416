"""Taking a seat back through a vendor other than SCIM: GitHub Copilot's contract-checked fake.

Copilot cancels a seat at the end of its billing cycle: the holder is told when the saving
starts, and the next sync does not find the cancelled seat again. Copilot has one plan for the
whole organisation, so a downgrade is IT's task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from bot.jobs.releasing import Releasing
from bot.runtime.runner import Runner
from connectors.github_copilot import GitHubCopilotConnector
from connectors.registry import REGISTRY
from store.catalog import sync_catalog
from store.db import make_engine, session_factory
from store.migrate import upgrade
from tests.database import fresh_database_url
from tests.fakes.clock import FakeClock
from tests.fakes.github import FakeGitHub
from workflows import jobs
from workflows.answers import answer_case
from workflows.catalog import Config
from workflows.commands import AnswerCase, ReconcileSeats
from workflows.model import Job, Person, ReclaimCase, Seat, SeatStatus
from workflows.ports import Clock, UnitOfWork
from workflows.sync import reconcile_seats

TOKEN = "ghp_fake_token_0123456789"
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
CYCLE_ENDS = dt.date(2026, 11, 30)
EMAIL = "octocat@acme.example"


def config(action: str = "revoke") -> Config:
    reclaim = {"action": action, "downgrade_to": "business"} if action == "downgrade" else {}
    return REGISTRY.config_model.model_validate(
        {
            "admins": ["U0ADMIN01"],
            "apps": [
                {
                    "key": "copilot",
                    "name": "Copilot",
                    "connector": {"type": "github_copilot", "org": "acme", "token_env": "GH"},
                    "tiers": [
                        {"key": "enterprise", "name": "Enterprise", "monthly_price": 39},
                        {"key": "business", "name": "Business", "monthly_price": 19},
                    ],
                    "reclaim": reclaim,
                }
            ],
        }
    )


@dataclass
class Desk:
    runner: Runner
    github: FakeGitHub
    copilot: GitHubCopilotConnector


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    engine = make_engine(fresh_database_url(tmp_path))
    upgrade(engine)
    cfg = config()
    sync_catalog(engine, cfg)
    clock = FakeClock(NOW)
    github = FakeGitHub("acme", TOKEN, now=clock.now, cycle_ends=CYCLE_ENDS)
    github.add_member("octocat", seat=True, last_active=NOW - dt.timedelta(days=90))
    github.link_saml("octocat", EMAIL)
    with httpx.Client(transport=github.transport) as client:
        copilot = GitHubCopilotConnector(
            "copilot",
            "Copilot",
            "acme",
            TOKEN,
            client,
            token_env="GH",
            tiers=["enterprise", "business"],
            now=clock.now,
        )
        yield Desk(Runner(session_factory(engine), cfg, clock), github, copilot)
    engine.dispose()


@dataclass(frozen=True)
class Given:
    """Octocat holds an idle Copilot seat, and has been asked about it."""


def _given(cmd: Given, *, uow: UnitOfWork, config: Config, clock: Clock) -> int:
    uow.people.add(Person(EMAIL, "Octo Cat", "U0OCTO001"))
    seat = Seat(
        app_key="copilot",
        tier_key="enterprise",
        email=EMAIL,
        slack_user_id="U0OCTO001",
        assigned_on=dt.date(2025, 1, 6),
        last_active_on=dt.date(2026, 8, 1),
    )
    uow.seats.add(seat)
    uow.flush()
    case = ReclaimCase(
        seat_id=seat.id or 0,
        app_key="copilot",
        tier_key="enterprise",
        email=EMAIL,
        kind="idle",
        opened_at=clock.now(),
        holder="U0OCTO001",
        status="prompted",  # type: ignore[arg-type]
    )
    uow.cases.add(case)
    uow.flush()
    return case.id or 0


def _release_job(desk: Desk) -> Job:
    with desk.runner.uow() as uow:
        found = [
            j for j in uow.jobs.claim(NOW, dt.timedelta(seconds=30), 10, kinds={jobs.SEAT_RELEASE})
        ]
        uow.commit()
    [job] = found
    return job


def test_a_released_copilot_seat_is_cancelled_and_not_found_again_by_the_next_sync(
    desk: Desk,
) -> None:
    case_id = desk.runner(_given, Given())
    desk.runner(answer_case, AnswerCase(case_id=case_id, actor="U0OCTO001", choice="release"))

    Releasing(desk.runner, {"copilot": desk.copilot}).release(_release_job(desk))
    listed = desk.copilot.list_seats()
    drift = desk.runner(reconcile_seats, ReconcileSeats("copilot", listed, listed_at=NOW))

    assert desk.github.seat_of("octocat") is not None  # still billed to the cycle's end
    assert [(r.email, r.ends_on) for r in listed] == [(EMAIL, CYCLE_ENDS)]
    assert drift.found == [] and drift.gone == []
    with desk.runner.uow() as uow:
        seats = uow.seats.held_by(EMAIL)
        case = uow.cases.get(case_id)
    assert seats == [] and case is not None and case.completed_at == NOW


def test_a_copilot_downgrade_cannot_be_done_by_the_vendor_so_it_becomes_an_it_task(
    desk: Desk,
) -> None:
    case_id = desk.runner(_given, Given())
    desk.runner(answer_case, AnswerCase(case_id=case_id, actor="U0OCTO001", choice="release"))
    with desk.runner.uow() as uow:
        case = uow.cases.get(case_id, for_update=True)
        assert case is not None
        case.action, case.to_tier = "downgrade", "business"
        uow.commit()

    Releasing(desk.runner, {"copilot": desk.copilot}).release(_release_job(desk))

    with desk.runner.uow() as uow:
        [task] = uow.tasks.open_tasks()
        seat = uow.seats.active_for(EMAIL, "copilot")
    assert task.case_id == case_id and task.why == "this app's seats are changed by hand"
    assert "organisation acme" in (task.detail or "")
    assert seat is not None and seat.status == SeatStatus.RELEASING
