"""The ack benchmark's data: pending requests to approve, signed Slack requests, and counts.

Requests are submitted through the real verb (so each has its approval step, audit events and
jobs); the jobs of the seeding are then marked done, so a phase's backlog is its own.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import Engine, func, select, text, update

from bench.ack_server import ADMIN, CONFIG, SIGNING_SECRET
from bench.loadgen import Request
from bot.bootstrap import build
from bot.config.loader import parse_config
from bot.config.settings import settings_from_env
from messages import ids
from store import tables
from store.db import make_engine
from store.migrate import upgrade
from tests.fakes.slack_requests import app_home_opened, block_action, sign, slash_command
from workflows.commands import SubmitRequest
from workflows.model import JobStatus, Person, StepStatus
from workflows.requests import submit_request

BATCH = 250  # requests submitted per transaction while seeding


def requester(n: int) -> str:
    return f"U0R{n:06d}"


def email(user: str) -> str:
    return f"{user.lower()}@bench.test"


@dataclass(frozen=True)
class Step:
    """A pending request's first approval step: what an Approve button carries."""

    request_id: int
    step_id: int


def reset(url: str) -> None:
    """An empty database at the current schema (PostgreSQL: the public schema is recreated)."""
    engine = make_engine(url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade(engine)
    finally:
        engine.dispose()


def seed(env: dict[str, str], count: int) -> list[Step]:
    """`count` pending requests, each by its own requester whose manager is ADMIN."""
    config = parse_config(CONFIG, source="bench.yml", env=env)
    container = build(settings_from_env(env), config, env=env)
    try:
        runner = container.runner
        with runner.uow() as uow:
            uow.people.add(Person(email=email(ADMIN), name="Approver", slack_user_id=ADMIN))
            for n in range(count):
                user = requester(n)
                uow.people.add(
                    Person(email=email(user), slack_user_id=user, manager_email=email(ADMIN))
                )
            uow.commit()
        for start in range(0, count, BATCH):
            with runner.uow() as uow:
                for n in range(start, min(start + BATCH, count)):
                    cmd = SubmitRequest(
                        requester=requester(n), app_key="miro", tier_key="standard", reason="bench"
                    )
                    submit_request(cmd, uow=uow, config=config, clock=container.clock)
                uow.commit()
        with container.engine.begin() as connection:
            connection.execute(update(tables.jobs).values(status=JobStatus.DONE.value))
            rows = connection.execute(
                select(tables.approval_steps.c.request_id, tables.approval_steps.c.id).order_by(
                    tables.approval_steps.c.request_id
                )
            ).all()
        return [Step(r, s) for r, s in rows]
    finally:
        container.close()


_clicks = iter(range(1, 10**9))


def clicks(steps: list[Step]) -> list[Request]:
    """A signed Approve click by ADMIN on each step, each a distinct Slack delivery."""
    signed = []
    for step in steps:
        n = next(_clicks)
        value = ids.StepRef(request_id=step.request_id, step_id=step.step_id).dumps()
        body, content_type = block_action(
            ADMIN,
            ids.STEP_APPROVE,
            value,
            channel_id="D0BENCH00",
            message_ts=f"1700000000.{n:06d}",
            action_ts=f"{time.time():.0f}.{n:06d}",
        )
        signed.append((body, sign(body, SIGNING_SECRET, content_type=content_type)))
    return signed


def commands(count: int) -> list[Request]:
    """Signed `/license help` commands by ADMIN."""
    signed = []
    for _ in range(count):
        body, content_type = slash_command("/license", "help", user_id=ADMIN)
        signed.append((body, sign(body, SIGNING_SECRET, content_type=content_type)))
    return signed


def home_opens(count: int) -> list[Request]:
    """Signed app_home_opened events by ADMIN, each a distinct event."""
    signed = []
    for _ in range(count):
        body, content_type = app_home_opened(ADMIN, f"EvHOME{next(_clicks):08d}")
        signed.append((body, sign(body, SIGNING_SECRET, content_type=content_type)))
    return signed


def chunks(items: list[Step], sizes: list[int]) -> Iterator[list[Step]]:
    start = 0
    for size in sizes:
        yield items[start : start + size]
        start += size


@dataclass(frozen=True)
class Counts:
    """What the database holds: approved steps, jobs waiting or running, done, dead, created."""

    decided: int
    backlog: int
    done: int
    dead: int
    created: int


def counts(engine: Engine) -> Counts:
    steps, jobs = tables.approval_steps, tables.jobs
    with engine.connect() as connection:
        decided = connection.execute(
            select(func.count()).where(steps.c.status == StepStatus.APPROVED.value)
        ).scalar_one()
        by_status = dict(
            connection.execute(select(jobs.c.status, func.count()).group_by(jobs.c.status)).all()
        )
    by = {str(getattr(k, "value", k)): v for k, v in by_status.items()}
    backlog = by.get("queued", 0) + by.get("running", 0)
    return Counts(decided, backlog, by.get("done", 0), by.get("dead", 0), sum(by.values()))
