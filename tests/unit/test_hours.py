"""Working hours in a person's timezone: reading them, and when they are open or next end."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.hours import (
    ALWAYS,
    WorkingHours,
    deadline_after,
    is_open,
    next_open,
    parse_working_hours,
    zone,
)

EXPECTED = "write working hours like Mon-Fri 09:00-17:00, Mon,Wed,Fri 10:00-14:00 or always"
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
OFFICE = parse_working_hours("Mon-Fri 09:00-17:00")
LONDON, TOKYO, NEW_YORK = zone("Europe/London"), zone("Asia/Tokyo"), zone("America/New_York")
SECOND = dt.timedelta(seconds=1)


def utc(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


# --- reading working hours -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "days", "start", "end"),
    [
        ("Mon-Fri 09:00-17:00", {MON, TUE, WED, THU, FRI}, "09:00", "17:00"),
        ("Sun-Thu 08:30-16:30", {SUN, MON, TUE, WED, THU}, "08:30", "16:30"),
        ("Mon,Wed,Fri 10:00-14:00", {MON, WED, FRI}, "10:00", "14:00"),
        ("mon-FRI 9:00-17:30", {MON, TUE, WED, THU, FRI}, "09:00", "17:30"),
        ("Monday - Friday 09:00 - 17:00", {MON, TUE, WED, THU, FRI}, "09:00", "17:00"),
        ("Fri-Mon 00:00-23:59", {FRI, SAT, SUN, MON}, "00:00", "23:59"),
        ("Sat,Mon-Tue 07:15-08:45", {SAT, MON, TUE}, "07:15", "08:45"),
        ("Wed 12:00-12:01", {WED}, "12:00", "12:01"),
    ],
)
def test_working_hours_are_read_from_days_then_a_span_of_hours(
    text: str, days: set[int], start: str, end: str
) -> None:
    hours = parse_working_hours(text)

    assert hours == WorkingHours(
        frozenset(days), dt.time.fromisoformat(start), dt.time.fromisoformat(end)
    )
    assert not hours.always


@pytest.mark.parametrize("text", ["always", "Always", "  ALWAYS "])
def test_always_means_working_hours_at_any_time(text: str) -> None:
    assert parse_working_hours(text) is ALWAYS and ALWAYS.always


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "'' is not days then hours"),
        ("Mon-Fri", "'Mon-Fri' is not days then hours"),
        ("09:00-17:00", "'09:00-17:00' is not days then hours"),
        ("Mon-Fri 09:00-17:00 UTC", "'Mon-Fri 09:00-17:00 UTC' is not days then hours"),
        ("Mon-Fri 9-5", "'9' is not a time of day from 00:00 to 23:59 (such as 09:00)"),
        ("Mon-Fri 09:00-24:00", "'24:00' is not a time of day from 00:00 to 23:59"),
        ("Mon-Fri 09:60-17:00", "'09:60' is not a time of day"),
        ("Mon-Fri 09:00", "'09:00' is not a start and an end time (such as 09:00-17:00)"),
        ("Mon-Fri 09:00-12:00-17:00", "'09:00-12:00-17:00' is not a start and an end time"),
        ("Mnday-Fri 09:00-17:00", "'Mnday' is not a day: use Mon, Tue, Wed, Thu, Fri, Sat or Sun"),
        ("Mon,,Fri 09:00-17:00", "'' is not a day: use Mon, Tue, Wed, Thu, Fri, Sat or Sun"),
        ("Mon-Wed-Fri 09:00-17:00", "'Mon-Wed-Fri' is not a day or a range of days (such as"),
        (
            "Mon-Fri 17:00-09:00",
            "the hours start at 17:00 but end at 09:00: the start must be before the end",
        ),
        ("Mon-Fri 09:00-09:00", "the hours start at 09:00 but end at 09:00"),
    ],
)
def test_unreadable_working_hours_say_what_is_wrong_and_show_the_expected_form(
    text: str, reason: str
) -> None:
    with pytest.raises(ValueError) as refused:
        parse_working_hours(text)

    assert str(refused.value).startswith(reason)
    assert str(refused.value).endswith(EXPECTED)


def test_working_hours_made_by_hand_must_start_before_they_end() -> None:
    with pytest.raises(ValueError, match="must start before they end"):
        WorkingHours(frozenset({MON}), dt.time(17), dt.time(9))


def test_working_hours_made_by_hand_need_a_day_of_the_week() -> None:
    with pytest.raises(ValueError, match="working days must be some of 0"):
        WorkingHours(frozenset({7}), dt.time(9), dt.time(17))


# --- timezones ---------------------------------------------------------------------------


def test_a_timezone_slack_names_is_that_zone() -> None:
    assert str(zone("Europe/London")) == "Europe/London"


@pytest.mark.parametrize("name", [None, "", "Mars/Olympus_Mons", "../etc/passwd", "Europe"])
def test_a_missing_or_unknown_timezone_is_utc(name: str | None) -> None:
    assert zone(name) is dt.UTC


# --- open or closed ----------------------------------------------------------------------


def test_london_office_hours_follow_british_summer_time() -> None:
    assert is_open(utc(2026, 1, 12, 9, 0), OFFICE, LONDON)  # a Monday in winter: GMT
    assert not is_open(utc(2026, 1, 12, 8, 59), OFFICE, LONDON)
    assert is_open(utc(2026, 7, 13, 8, 0), OFFICE, LONDON)  # a Monday in summer: BST
    assert not is_open(utc(2026, 7, 13, 16, 0), OFFICE, LONDON)  # 17:00 BST: closed


def test_tokyo_opens_while_it_is_still_the_day_before_in_utc() -> None:
    sunday_night_utc = utc(2026, 1, 11, 23, 30)  # Monday 08:30 in Tokyo

    assert not is_open(sunday_night_utc, OFFICE, TOKYO)
    assert next_open(sunday_night_utc, OFFICE, TOKYO) == utc(2026, 1, 12, 0, 0)


def test_the_end_of_working_hours_is_already_outside_them() -> None:
    assert not is_open(utc(2026, 1, 12, 17, 0), OFFICE, LONDON)
    assert is_open(utc(2026, 1, 12, 16, 59, 59), OFFICE, LONDON)


def test_a_moment_inside_working_hours_is_its_own_next_opening() -> None:
    moment = utc(2026, 1, 14, 12, 34, 56)

    assert next_open(moment, OFFICE, LONDON) == moment


def test_a_saturday_waits_for_monday_morning() -> None:
    saturday_noon = utc(2026, 1, 17, 12, 0)

    assert next_open(saturday_noon, OFFICE, NEW_YORK) == utc(2026, 1, 19, 14, 0)  # 09:00 EST


def test_a_sunday_to_thursday_week_is_closed_on_friday_and_open_on_sunday() -> None:
    week = parse_working_hours("Sun-Thu 08:30-16:30")
    friday, sunday = utc(2026, 1, 16, 10, 0), utc(2026, 1, 18, 10, 0)

    assert not is_open(friday, week, LONDON)
    assert is_open(sunday, week, LONDON)
    assert next_open(friday, week, LONDON) == utc(2026, 1, 18, 8, 30)


def test_always_is_open_at_every_moment() -> None:
    moment = utc(2026, 1, 17, 3, 0)  # a Saturday night

    assert is_open(moment, ALWAYS, TOKYO) and next_open(moment, ALWAYS, TOKYO) == moment


def test_a_moment_without_a_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="no timezone"):
        is_open(dt.datetime(2026, 1, 12, 9, 0), OFFICE, LONDON)


# --- deadlines ---------------------------------------------------------------------------


def test_a_friday_evening_start_gives_a_monday_deadline() -> None:
    friday_evening = utc(2026, 1, 16, 23, 0)  # 18:00 in New York

    for days in (0, 1, 2, 3):
        assert deadline_after(friday_evening, days, OFFICE, NEW_YORK) == utc(2026, 1, 19, 22, 0)
    assert deadline_after(friday_evening, 4, OFFICE, NEW_YORK) == utc(2026, 1, 20, 22, 0)


def test_a_deadline_ends_with_the_working_day_on_its_local_date() -> None:
    tuesday_morning = utc(2026, 1, 13, 1, 0)  # 10:00 on Tuesday in Tokyo

    assert deadline_after(tuesday_morning, 2, OFFICE, TOKYO) == utc(2026, 1, 15, 8, 0)


def test_a_deadline_never_falls_before_its_start() -> None:
    monday_evening = utc(2026, 1, 12, 18, 0)

    assert deadline_after(monday_evening, 0, OFFICE, LONDON) == utc(2026, 1, 13, 17, 0)


def test_with_always_a_deadline_is_exactly_so_many_days_later() -> None:
    start = utc(2026, 1, 16, 23, 59, 30)

    assert deadline_after(start, 7, ALWAYS, LONDON) == start + dt.timedelta(days=7)
    assert deadline_after(start, 0, ALWAYS, LONDON) == start


def test_with_always_a_deadline_across_a_clock_change_keeps_the_local_time() -> None:
    friday_noon = utc(2026, 3, 27, 12, 0)  # GMT; BST from Sunday

    assert deadline_after(friday_noon, 7, ALWAYS, LONDON) == utc(2026, 4, 3, 11, 0)


def test_a_deadline_some_days_before_its_start_is_refused() -> None:
    with pytest.raises(ValueError, match="not -1"):
        deadline_after(utc(2026, 1, 12, 9, 0), -1, OFFICE, LONDON)


# --- the weeks the clocks change ---------------------------------------------------------


def test_in_the_week_the_clocks_go_forward_each_day_keeps_its_wall_clock_hours() -> None:
    thursday = utc(2026, 3, 26, 10, 0)  # London goes to BST on Sunday 29 March 2026

    assert deadline_after(thursday, 1, OFFICE, LONDON) == utc(2026, 3, 27, 17, 0)  # GMT
    assert deadline_after(thursday, 4, OFFICE, LONDON) == utc(2026, 3, 30, 16, 0)  # BST
    assert next_open(utc(2026, 3, 27, 18, 0), OFFICE, LONDON) == utc(2026, 3, 30, 8, 0)


def test_in_the_week_the_clocks_go_back_each_day_keeps_its_wall_clock_hours() -> None:
    friday = utc(2026, 10, 23, 18, 0)  # New York goes back to EST on Sunday 1 November 2026

    assert deadline_after(friday, 3, OFFICE, NEW_YORK) == utc(2026, 10, 26, 21, 0)  # EDT
    assert deadline_after(friday, 10, OFFICE, NEW_YORK) == utc(2026, 11, 2, 22, 0)  # EST


def test_hours_that_start_in_the_skipped_hour_open_when_the_clocks_jump() -> None:
    night = parse_working_hours("Sun 01:30-03:00")  # 01:00 → 02:00 in London on 29 March

    opens = next_open(utc(2026, 3, 28, 12, 0), night, LONDON)

    assert opens == utc(2026, 3, 29, 1, 0)  # the jump: 02:00 BST
    assert is_open(opens, night, LONDON) and not is_open(opens - SECOND, night, LONDON)
    assert deadline_after(opens, 0, night, LONDON) == utc(2026, 3, 29, 2, 0)  # 03:00 BST


def test_hours_that_start_in_the_repeated_hour_open_at_its_first_pass() -> None:
    night = parse_working_hours("Sun 01:30-04:00")  # 02:00 BST → 01:00 GMT on 25 October

    assert next_open(utc(2026, 10, 24, 12, 0), night, LONDON) == utc(2026, 10, 25, 0, 30)


def test_a_working_day_the_clocks_skip_entirely_passes_to_the_next() -> None:
    skipped = parse_working_hours("Sun-Mon 01:10-01:50")  # all inside London's skipped hour

    start = utc(2026, 3, 28, 12, 0)

    assert next_open(start, skipped, LONDON) == utc(2026, 3, 30, 0, 10)  # Monday, BST
    assert deadline_after(start, 1, skipped, LONDON) == utc(2026, 3, 30, 0, 50)


# --- properties --------------------------------------------------------------------------

ZONES = [
    "Europe/London",
    "Asia/Tokyo",
    "America/New_York",
    "America/Sao_Paulo",  # until 2019 its clocks went forward at midnight
    "Australia/Lord_Howe",  # half an hour of daylight saving
    "Pacific/Apia",  # skipped 30 December 2011 entirely
    "Asia/Kathmandu",
    "Antarctica/Troll",  # two hours of daylight saving
    "UTC",
]


@st.composite
def working_hours(draw: st.DrawFn) -> WorkingHours:
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    start = draw(st.integers(0, 24 * 60 - 2))
    end = draw(st.integers(start + 1, 24 * 60 - 1))
    return WorkingHours(days, dt.time(*divmod(start, 60)), dt.time(*divmod(end, 60)))


moments = st.datetimes(
    min_value=dt.datetime(1990, 1, 1),
    max_value=dt.datetime(2045, 12, 31),
    timezones=st.just(dt.UTC),
)
zones = st.one_of(st.sampled_from(ZONES).map(zone), st.timezones())


@settings(max_examples=300, deadline=None)
@given(moments, working_hours(), zones)
def test_the_next_opening_is_open_and_never_before_the_moment(
    moment: dt.datetime, hours: WorkingHours, tz: dt.tzinfo
) -> None:
    opens = next_open(moment, hours, tz)

    assert opens >= moment and opens.tzinfo is dt.UTC
    assert is_open(opens, hours, tz)
    if opens - SECOND >= moment:  # nothing opened earlier that it skipped
        assert not is_open(opens - SECOND, hours, tz)


@settings(max_examples=300, deadline=None)
@given(moments, st.integers(0, 60), st.one_of(working_hours(), st.just(ALWAYS)), zones)
def test_a_deadline_ends_inside_working_hours_and_no_sooner_than_its_days(
    start: dt.datetime, days: int, hours: WorkingHours, tz: dt.tzinfo
) -> None:
    deadline = deadline_after(start, days, hours, tz)

    assert deadline.tzinfo is dt.UTC and deadline >= start
    assert is_open(deadline - SECOND, hours, tz)
    local_days = deadline.astimezone(tz).date() - start.astimezone(tz).date()
    assert local_days >= dt.timedelta(days=days)
