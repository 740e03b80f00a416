"""The real app (`bot.bootstrap.build`, `create_app`) on a test database, for REST API tests.

No Slack and no vendor: the API reads only the database, so every app in the catalog is
`manual`. `seed` fills the database with enough seats, requests, reclaim cases and audit
events that every report has rows, several pages of them, and filters that narrow them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from bot.bootstrap import Container, build
from bot.config.loader import parse_config
from bot.config.settings import settings_from_env
from bot.web.app import create_app
from tests.fakes.clock import FakeClock
from workflows.audit import record
from workflows.model import (
    CaseKind,
    CaseStatus,
    Person,
    ReclaimCase,
    Request,
    RequestStatus,
    Seat,
    SeatStatus,
)
from workflows.tokens import CreateToken, create_token

CONFIG = """
slack: {it_channel: C0ITOPS01}
admins: [U0ADMIN01]
apps:
  - key: figma
    name: Figma
    connector: {type: manual}
    tiers:
      - {key: professional, name: Professional, monthly_price: 15}
      - {key: viewer, name: Viewer, monthly_price: 0}
    contract: {seats: 30, renews_on: 2027-03-31, notice_days: 60, auto_renew: true}
  - key: miro
    name: Miro
    connector: {type: manual}
    tiers: [{key: standard, name: Standard, monthly_price: 10.5}]
    contract: {seats: 12, renews_on: 2026-12-31, notice_days: 30}
"""
ALICE, ALICE_EMAIL = "U0ALICE01", "alice@acme.test"
PEOPLE = 12  # alice and eleven colleagues


@dataclass
class Served:
    """The built app, a client for it, and the clock it reads."""

    app: Container
    http: TestClient
    clock: FakeClock

    def new_token(self, name: str = "reports") -> str:
        """A fresh API token's secret, made as `seatkeeper token create` makes it."""
        return self.app.runner(create_token, CreateToken(name)).secret

    def get(self, path: str, token: str | None = None, **params: object) -> dict[str, Any]:
        """GET an API path with the token (if any); the answer's JSON, whatever its status."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        answer = self.http.get(path, params=params, headers=headers)
        return {"status": answer.status_code, **answer.json()}


@contextmanager
def serve(database_url: str, clock: FakeClock | None = None) -> Iterator[Served]:
    """The app as `seatkeeper serve` builds it, without Slack, closed on the way out."""
    clock = clock or FakeClock()
    env = {"SEATKEEPER_DATABASE_URL": database_url}
    config = parse_config(CONFIG, source="api.yml", env=env)
    container = build(settings_from_env(env), config, clock=clock, env=env)
    client = TestClient(create_app(container))
    try:
        yield Served(container, client, clock)
    finally:
        client.close()
        container.close()


def seed(served: Served) -> None:
    """People, seats on both apps, requests, reclaim cases and their audit events."""
    today, now = served.clock.now().date(), served.clock.now()
    with served.app.runner.uow() as uow:
        people = [Person(ALICE_EMAIL, "Alice Archer", slack_user_id=ALICE)] + [
            Person(f"p{n:02d}@acme.test", f"Person {n}", slack_user_id=f"U0PEOPL{n:02d}")
            for n in range(1, PEOPLE)
        ]
        for person in people:
            uow.people.add(person)
        seats = []
        for n, person in enumerate(people):
            for app, tier in (("figma", "professional"), ("miro", "standard")):
                if app == "miro" and n % 3 == 0:
                    continue
                seat = Seat(
                    app,
                    tier if n % 5 else ("viewer" if app == "figma" else tier),
                    person.email,
                    slack_user_id=person.slack_user_id,
                    assigned_on=today - dt.timedelta(days=20 * n + 3),
                    last_active_on=None if n == 4 else today - dt.timedelta(days=9 * n),
                    activity_source="last sign-in",
                )
                uow.seats.add(seat)
                seats.append(seat)
                at = FakeClock(now - dt.timedelta(days=20 * n + 3))
                record(uow, at, "sync", "seat.found", f"seat:{app}:{person.email}")
        uow.flush()
        for n, person in enumerate(people[:8]):
            status = list(RequestStatus)[n % len(RequestStatus)]
            created = now - dt.timedelta(days=15 * n + 1)
            request = Request(
                person.slack_user_id or "",
                "miro" if n % 2 else "figma",
                "standard" if n % 2 else "professional",
                "Design work",
                created_at=created,
                expires_at=created + dt.timedelta(days=7),
                status=status,
                closed_at=None if status == RequestStatus.PENDING else created,
            )
            uow.requests.add(request)
            uow.flush()
            actor = person.slack_user_id or ""
            record(uow, FakeClock(created), actor, "request.submitted", f"request:{request.id}")
        for n, seat in enumerate(seats[::3]):
            opened = now - dt.timedelta(days=11 * n + 2)
            uow.cases.add(
                ReclaimCase(
                    seat.id or 0,
                    seat.app_key,
                    seat.tier_key,
                    seat.email,
                    CaseKind.IDLE,
                    opened_at=opened,
                    holder=seat.slack_user_id,
                    status=CaseStatus.SKIPPED if n % 2 else CaseStatus.PROMPTED,
                    deadline=now + dt.timedelta(days=7),
                )
            )
            subject = f"seat:{seat.app_key}:{seat.email}"
            record(uow, FakeClock(opened), "seatkeeper", "reclaim.prompted", subject)
        uow.commit()
    assert {s.status for s in seats} == {SeatStatus.ACTIVE}
