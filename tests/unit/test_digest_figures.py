"""The digest's figures against PRODUCT.md's definitions, computed here from the seeded data
alone (never with the code under test): paid, assigned, active, idle, unassigned, overspend,
renewals with their advice, what reclaiming saved, work waiting and what changed."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from connectors.registry import REGISTRY
from tests.fakes.clock import FakeClock
from tests.fakes.uow import FakeUnitOfWork
from workflows.catalog import Config
from workflows.commands import BuildDigest
from workflows.digest import Digest, build_digest, post_digest
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

NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
ADMIN = "U0ADMIN01"


@dataclass
class Seeded:
    """A random organisation: apps with one paid tier (and a free one), seats, waitlists."""

    seed: int
    apps: list[dict[str, Any]] = field(default_factory=list)
    seats: list[Seat] = field(default_factory=list)
    waiting: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        rnd = random.Random(self.seed)
        for n in range(rnd.randint(1, 8)):
            key = f"app{n}"
            price = Decimal(rnd.choice([4, 10, 15, 39])) + Decimal(rnd.choice([0, 50])) / 100
            contract: dict[str, Any] = {}
            if rnd.random() < 0.8:
                contract["seats"] = rnd.randint(0, 40)
            if rnd.random() < 0.7:
                contract["renews_on"] = (
                    TODAY + dt.timedelta(days=rnd.randint(-10, 200))
                ).isoformat()
                contract["notice_days"] = rnd.randint(0, 60)
                contract["auto_renew"] = rnd.random() < 0.5
            idle_days = rnd.choice([14, 30, 45])
            self.apps.append(
                {
                    "key": key,
                    "name": f"App {n}",
                    "tiers": [
                        {"key": "paid", "name": "Paid", "monthly_price": str(price)},
                        {"key": "free", "name": "Free", "monthly_price": 0},
                    ],
                    "contract": contract,
                    "reclaim": {"idle_days": idle_days},
                }
            )
            for i in range(rnd.randint(0, 45)):
                last = (
                    None if rnd.random() < 0.15 else TODAY - dt.timedelta(days=rnd.randint(0, 90))
                )
                self.seats.append(
                    Seat(
                        app_key=key,
                        tier_key="paid" if rnd.random() < 0.85 else "free",
                        email=f"p{i}@acme.test",
                        status=rnd.choice(
                            [SeatStatus.ACTIVE] * 6 + [SeatStatus.RELEASING, SeatStatus.REVOKED]
                        ),
                        last_active_on=last,
                    )
                )
            self.waiting[key] = rnd.randint(0, 3)

    def config(self) -> Config:
        return REGISTRY.config_model.model_validate(
            {
                "admins": [ADMIN],
                "apps": self.apps,
                "digest": {"horizon_days": 90, "headroom_percent": 10},
            }
        )

    def uow(self) -> FakeUnitOfWork:
        uow = FakeUnitOfWork([Person("w@acme.test", "W", "U0WAIT001")])
        for seat in self.seats:
            uow.seats.add(seat)
        for app_key, count in self.waiting.items():
            for n in range(count):
                uow.requests.add(
                    Request(
                        requester=f"U0W{app_key.upper()}{n}",
                        app_key=app_key,
                        tier_key="paid",
                        reason="x",
                        created_at=NOW,
                        expires_at=NOW,
                        status=RequestStatus.WAITLISTED,
                    )
                )
        uow.flush()
        return uow

    def expected(self, app: dict[str, Any]) -> dict[str, Any]:
        """The definitions, straight from PRODUCT.md."""
        key = app["key"]
        price = Decimal(app["tiers"][0]["monthly_price"])
        held = [
            s
            for s in self.seats
            if s.app_key == key
            and s.tier_key == "paid"
            and s.status in (SeatStatus.ACTIVE, SeatStatus.RELEASING)
        ]
        idle_days = app["reclaim"]["idle_days"]
        active = [
            s for s in held if s.last_active_on and (TODAY - s.last_active_on).days <= idle_days
        ]
        paid = app["contract"].get("seats", len(held))
        return {
            "paid": paid,
            "assigned": len(held),
            "active": len(active),
            "idle": len(held) - len(active),
            "unassigned": paid - len(held),
            "waiting": self.waiting[key],
            "overspend": max(paid - len(active), 0) * price,
            "monthly_spend": paid * price,
        }


@pytest.mark.parametrize("seed", range(25))
def test_every_apps_figures_equal_the_definitions(seed: int) -> None:
    seeded = Seeded(seed)

    digest = build_digest(
        BuildDigest(), uow=seeded.uow(), config=seeded.config(), clock=FakeClock(NOW)
    )

    got = {a.app_key: a for a in digest.apps}
    for app in seeded.apps:
        want = seeded.expected(app)
        figures = got[app["key"]]
        assert {name: getattr(figures, name) for name in want} == want, (seed, app["key"])
    assert digest.total_overspend == sum(seeded.expected(a)["overspend"] for a in seeded.apps)
    overspends = [a.overspend for a in digest.apps]
    assert overspends == sorted(overspends, reverse=True)  # most money at stake first


@pytest.mark.parametrize("seed", range(25))
def test_renewals_within_the_horizon_carry_their_deadline_and_advice(seed: int) -> None:
    seeded = Seeded(seed)

    digest = build_digest(
        BuildDigest(), uow=seeded.uow(), config=seeded.config(), clock=FakeClock(NOW)
    )

    expected = {}
    for app in seeded.apps:
        contract = app["contract"]
        if "renews_on" not in contract:
            continue
        renews = dt.date.fromisoformat(contract["renews_on"])
        if not TODAY <= renews <= TODAY + dt.timedelta(days=90):
            continue
        want = seeded.expected(app)
        needed = want["active"] + want["waiting"]
        recommended = -(-needed * 110 // 100)  # needed plus 10 %, rounded up, in whole numbers
        price = Decimal(app["tiers"][0]["monthly_price"])
        expected[app["key"]] = {
            "notice_deadline": renews - dt.timedelta(days=contract["notice_days"]),
            "auto_renew": contract["auto_renew"],
            "recommended": recommended,
            "yearly_saving": max(want["paid"] - recommended, 0) * price * 12,
        }
    got = {
        r.app_key: {
            "notice_deadline": r.notice_deadline,
            "auto_renew": r.auto_renew,
            "recommended": r.recommended,
            "yearly_saving": r.yearly_saving,
        }
        for r in digest.renewals
    }
    assert got == expected
    savings = [r.yearly_saving for r in digest.renewals]
    assert savings == sorted(savings, reverse=True)


def test_an_app_with_several_paid_tiers_prices_its_seats_at_their_average() -> None:
    config = REGISTRY.config_model.model_validate(
        {
            "apps": [
                {
                    "key": "suite",
                    "name": "Suite",
                    "tiers": [
                        {"key": "pro", "name": "Pro", "monthly_price": 20},
                        {"key": "max", "name": "Max", "monthly_price": 50},
                    ],
                    "contract": {"seats": 10},
                }
            ]
        }
    )
    uow = FakeUnitOfWork()
    for n, tier in enumerate(["pro", "pro", "max"]):
        uow.seats.add(
            Seat(app_key="suite", tier_key=tier, email=f"s{n}@acme.test", last_active_on=TODAY)
        )

    [app] = build_digest(BuildDigest(), uow=uow, config=config, clock=FakeClock(NOW)).apps

    assert app.seat_price == Decimal("30.00")  # (20 + 20 + 50) / 3
    assert app.overspend == Decimal("210.00")  # (10 paid - 3 active) x 30


def _done(uow: FakeUnitOfWork, saving: int, at: dt.datetime, action: str = "revoke") -> None:
    uow.cases.add(
        ReclaimCase(
            seat_id=1,
            app_key="app0",
            tier_key="paid",
            email="x@acme.test",
            kind=CaseKind.IDLE,
            opened_at=at,
            status=CaseStatus.RECLAIMED,
            action=action,
            monthly_saving=Decimal(saving),
            completed_at=at,
        )
    )


def test_reclaiming_counts_the_period_since_the_previous_digest_and_to_date() -> None:
    seeded = Seeded(3)
    uow, config, clock = seeded.uow(), seeded.config(), FakeClock(NOW)
    _done(uow, 15, NOW - dt.timedelta(days=20))
    post_digest(BuildDigest(), uow=uow, config=config, clock=clock)
    clock.advance(days=7)
    _done(uow, 10, NOW + dt.timedelta(days=2))
    _done(uow, 5, NOW + dt.timedelta(days=3), action="downgrade")
    uow.cases.add(
        ReclaimCase(
            seat_id=2,
            app_key="app0",
            tier_key="paid",
            email="y@acme.test",
            kind=CaseKind.IDLE,
            opened_at=NOW,
            status=CaseStatus.PROMPTED,
        )
    )

    digest = build_digest(BuildDigest(), uow=uow, config=config, clock=clock)

    rc = digest.reclaims
    assert (rc.removed, rc.downgraded, rc.saved) == (1, 1, Decimal(15))
    assert (rc.removed_to_date, rc.downgraded_to_date, rc.saved_to_date) == (2, 1, Decimal(30))
    assert (rc.prompts_pending, rc.waves_open) == (1, 0)
    assert digest.period_start == NOW


def test_what_moved_since_the_previous_digest_is_one_line_per_app() -> None:
    seeded = Seeded(5)
    uow, config, clock = seeded.uow(), seeded.config(), FakeClock(NOW)
    first = post_digest(BuildDigest(), uow=uow, config=config, clock=clock)
    moved = first.apps[0].app_key
    uow.seats.add(Seat(app_key=moved, tier_key="paid", email="new@acme.test", last_active_on=TODAY))

    later: Digest = post_digest(BuildDigest(), uow=uow, config=config, clock=clock)

    assert first.first and not later.first
    [change] = later.changes
    before = first.apps[0]
    assert change.app_key == moved
    assert change.moved["assigned"] == (before.assigned, before.assigned + 1)
    assert change.moved["active"] == (before.active, before.active + 1)


def test_only_admins_or_the_schedule_post_a_digest() -> None:
    seeded = Seeded(1)
    uow, config = seeded.uow(), seeded.config()

    with pytest.raises(Exception, match="Only Seatkeeper admins can post the digest"):
        post_digest(
            BuildDigest(requested_by="U0NOBODY1"), uow=uow, config=config, clock=FakeClock(NOW)
        )
    post_digest(BuildDigest(requested_by=ADMIN), uow=uow, config=config, clock=FakeClock(NOW))

    assert uow.digests.latest() is not None
