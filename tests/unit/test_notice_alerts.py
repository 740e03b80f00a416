"""Notice alerts: each threshold (30, 14, 7, 1 days before the notice deadline) once."""

from __future__ import annotations

import datetime as dt

import pytest

from connectors.registry import REGISTRY
from tests.fakes.clock import FakeClock
from tests.fakes.uow import FakeUnitOfWork
from workflows import jobs
from workflows.alerts import due_threshold, notice_alerts
from workflows.catalog import Config
from workflows.commands import NoticeAlerts

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
# Renews 31 March 2027 with 60 days' notice: the notice deadline is 30 January 2027.
DEADLINE = dt.date(2027, 1, 30)


def config() -> Config:
    return REGISTRY.config_model.model_validate(
        {
            "apps": [
                {
                    "key": "figma",
                    "name": "Figma",
                    "tiers": [{"key": "pro", "name": "Pro", "monthly_price": 15}],
                    "contract": {"seats": 50, "renews_on": "2027-03-31", "notice_days": 60},
                },
                {"key": "miro", "name": "Miro", "tiers": [{"key": "std", "name": "Std"}]},
            ]
        }
    )


def test_each_threshold_fires_once_on_its_day_however_often_the_pass_runs() -> None:
    uow, clock, cfg = FakeUnitOfWork(), FakeClock(START), config()
    fired: dict[dt.date, list[int]] = {}

    while clock.now().date() <= DEADLINE + dt.timedelta(days=2):
        for _ in range(3):  # the pass runs every few minutes
            for _, threshold in notice_alerts(NoticeAlerts(), uow=uow, config=cfg, clock=clock):
                fired.setdefault(clock.now().date(), []).append(threshold)
        clock.advance(hours=8)

    assert fired == {
        DEADLINE - dt.timedelta(days=30): [30],
        DEADLINE - dt.timedelta(days=14): [14],
        DEADLINE - dt.timedelta(days=7): [7],
        DEADLINE - dt.timedelta(days=1): [1],
    }
    payloads = [job.payload for job in uow.all_jobs(jobs.NOTICE_ALERT)]
    assert [p["threshold"] for p in payloads] == [30, 14, 7, 1]
    assert {p["notice_deadline"] for p in payloads} == {"2027-01-30"}
    assert [e.action for e in uow.audit.all()].count("contract.notice_alert") == 4


def test_a_pass_that_first_sees_a_near_deadline_sends_only_the_nearest_threshold() -> None:
    uow, cfg = FakeUnitOfWork(), config()
    clock = FakeClock(dt.datetime.combine(DEADLINE - dt.timedelta(days=5), dt.time(9), dt.UTC))

    fired = notice_alerts(NoticeAlerts(), uow=uow, config=cfg, clock=clock)

    assert fired == [("figma", 7)]


@pytest.mark.parametrize(
    ("days_left", "threshold"),
    [
        (45, None),
        (31, None),
        (30, 30),
        (15, 30),
        (14, 14),
        (8, 14),
        (7, 7),
        (2, 7),
        (1, 1),
        (0, 1),
        (-1, None),
    ],
)
def test_the_threshold_due_is_the_nearest_one_reached(
    days_left: int, threshold: int | None
) -> None:
    assert due_threshold(days_left) == threshold
