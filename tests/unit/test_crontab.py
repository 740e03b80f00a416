"""Crontab schedules run on the days cron would run them: Sunday is 0 (and 7), Monday 1."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.config.crontab import cron_weekdays, crontab_trigger

ONE = dt.timedelta(minutes=1)
MONDAY = dt.datetime(2026, 12, 7, 0, 0, tzinfo=dt.UTC)  # a Monday


def next_runs(expr: str, count: int) -> list[str]:
    trigger = crontab_trigger(expr, dt.UTC)
    runs, previous, now = [], None, MONDAY
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        runs.append(fire.strftime("%a %H:%M"))
        previous, now = fire, fire + dt.timedelta(seconds=1)
    return runs


def test_weekdays_one_to_five_are_monday_to_friday() -> None:
    assert next_runs("0 9 * * 1-5", 6) == [
        "Mon 09:00",
        "Tue 09:00",
        "Wed 09:00",
        "Thu 09:00",
        "Fri 09:00",
        "Mon 09:00",
    ]


def test_day_one_is_monday_and_zero_and_seven_are_sunday() -> None:
    assert next_runs("0 9 * * 1", 1) == ["Mon 09:00"]
    assert next_runs("0 9 * * 0", 1) == next_runs("0 9 * * 7", 1) == ["Sun 09:00"]


@pytest.mark.parametrize(
    ("field", "days"),
    [
        ("*", "*"),
        ("0-6", "sun,mon,tue,wed,thu,fri,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("5/2", "sun,fri"),
        ("fri-sun", "sun,fri,sat"),
        ("1,3-4", "mon,wed,thu"),
        ("MON-FRI", "mon,tue,wed,thu,fri"),
    ],
)
def test_the_field_reads_numbers_names_ranges_lists_and_steps(field: str, days: str) -> None:
    assert cron_weekdays(field) == days


@pytest.mark.parametrize("field", ["5-1", "8", "x", "*/0"])
def test_a_field_cron_would_refuse_is_refused(field: str) -> None:
    with pytest.raises(ValueError):
        cron_weekdays(field)


def test_the_scheduler_runs_the_monday_digest_on_mondays() -> None:
    from bot.passes.scheduler import build_scheduler
    from store.db import make_engine

    engine = make_engine("sqlite://")
    scheduler = build_scheduler(engine, None, {"digest": ("0 9 * * 1", lambda: None)}, lease=ONE)  # type: ignore[arg-type]
    [job] = scheduler.get_jobs()

    fire = job.trigger.get_next_fire_time(None, MONDAY + dt.timedelta(hours=10))
    assert fire is not None and fire.strftime("%a %d %H:%M") == "Mon 14 09:00"
    engine.dispose()
