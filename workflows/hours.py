"""Working hours in a person's own timezone, so a question never falls due while they are off.

Hours are wall-clock times on weekdays of the person's timezone (Slack's `tz`, such as
"Europe/London"). A wall-clock time a daylight-saving change skips is reached when the clocks
jump past it; one the change repeats counts at its first occurrence.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EVERY_DAY = frozenset(range(7))
TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
EXPECTED = "write working hours like Mon-Fri 09:00-17:00, Mon,Wed,Fri 10:00-14:00 or always"
# Far enough to pass a whole week, plus days a zone change skips or leaves no hours in.
SEARCH_DAYS = 15
TICK = dt.timedelta(microseconds=1)  # the finest step a datetime takes


class WorkingHoursError(ValueError):
    """Working hours that cannot be read; `values` are the parts of the text `template` names."""

    def __init__(self, template: str, **values: str) -> None:
        super().__init__(template.format(**values))
        self.template, self.values = template, values


@dataclass(frozen=True)
class WorkingHours:
    """The weekdays someone works (0 is Monday) from `start` to `end`, or `always`."""

    days: frozenset[int] = EVERY_DAY
    start: dt.time = dt.time.min
    end: dt.time = dt.time.max
    always: bool = False

    def __post_init__(self) -> None:
        if not self.days or not self.days <= EVERY_DAY:
            raise ValueError(f"working days must be some of 0 (Monday) to 6, not {self.days}")
        if not self.start < self.end:
            raise ValueError(f"working hours must start before they end: {self}")


ALWAYS = WorkingHours(always=True)


def parse_working_hours(text: str) -> WorkingHours:
    """Working hours from text such as "Mon-Fri 09:00-17:00", "Mon,Wed,Fri 10:00-14:00" or
    "always"; a day range runs forward through the week (Sun-Thu is Sunday to Thursday)."""
    # Spaces around "," and "-" are allowed, so "Mon - Fri 09:00 - 17:00" reads as intended.
    words = re.sub(r"\s*([,-])\s*", r"\1", text.strip()).split()
    if [word.lower() for word in words] == ["always"]:
        return ALWAYS
    if len(words) != 2:
        raise WorkingHoursError(
            "{text!r} is not days then hours; " + EXPECTED,
            text=text,
        )
    days, span = words
    start, end = _span(span)
    if not start < end:
        raise WorkingHoursError(
            f"the hours start at {start:%H:%M} but end at {end:%H:%M}: the start must be "
            f"before the end, on the same day; {EXPECTED}"
        )
    return WorkingHours(frozenset[int]().union(*map(_days, days.split(","))), start, end)


def zone(name: str | None) -> dt.tzinfo:
    """The timezone Slack names (`users.info`'s `tz`); UTC when there is none or it is unknown."""
    if not name:
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # unknown, malformed, or not a zone
        return dt.UTC


def is_open(moment: dt.datetime, hours: WorkingHours, tz: dt.tzinfo) -> bool:
    """Whether `moment` (aware) falls inside the working hours, as the clocks in `tz` show it."""
    local = _aware(moment).astimezone(tz)
    return hours.always or (
        local.weekday() in hours.days and hours.start <= local.time() < hours.end
    )


def next_open(moment: dt.datetime, hours: WorkingHours, tz: dt.tzinfo) -> dt.datetime:
    """`moment` when it is inside working hours, else the moment they next start (UTC)."""
    moment = _aware(moment).astimezone(dt.UTC)
    if is_open(moment, hours, tz):
        return moment
    for day in _working_days(moment.astimezone(tz).date(), hours):
        for opens in _openings(day, hours.start, tz):
            if opens >= moment and is_open(opens, hours, tz):
                return opens
    raise AssertionError(f"no working hours within {SEARCH_DAYS} days of {moment}")


def deadline_after(
    start: dt.datetime, days: int, hours: WorkingHours, tz: dt.tzinfo
) -> dt.datetime:
    """The end of the working day `days` local dates after `start`'s, or of the first working
    day after that; with "always" hours, `start`'s local time on that date (UTC)."""
    if days < 0:
        raise ValueError(f"a deadline is some days after its start, not {days}")
    start = _aware(start).astimezone(dt.UTC)
    local = start.astimezone(tz)
    due = local.date() + dt.timedelta(days=days)
    if hours.always:
        # Counted on the person's calendar, as the days of every other deadline are: across a
        # clock change this is an hour more or less than `days` times 24 hours.
        return max(start, _first_at(due, local.time(), tz))
    for day in _working_days(due, hours):
        opens, closes = _first_at(day, hours.start, tz), _first_at(day, hours.end, tz)
        if opens < closes and closes > start:  # a zone change can leave a day no hours
            return closes
    raise AssertionError(f"no working day within {SEARCH_DAYS} days of {due}")


def _span(text: str) -> tuple[dt.time, dt.time]:
    ends = text.split("-")
    if len(ends) != 2:
        raise WorkingHoursError(
            "{text!r} is not a start and an end time (such as 09:00-17:00); " + EXPECTED,
            text=text,
        )
    return _time(ends[0]), _time(ends[1])


def _time(text: str) -> dt.time:
    found = TIME.match(text)
    if found is None:
        raise WorkingHoursError(
            "{text!r} is not a time of day from 00:00 to 23:59 (such as 09:00); " + EXPECTED,
            text=text,
        )
    return dt.time(int(found.group(1)), int(found.group(2)))


def _days(text: str) -> frozenset[int]:
    ends = [_day(name) for name in text.split("-")] if text.count("-") <= 1 else []
    if not ends:
        raise WorkingHoursError(
            "{text!r} is not a day or a range of days (such as Mon-Fri); " + EXPECTED, text=text
        )
    first, last = ends[0], ends[-1]
    return frozenset((first + step) % 7 for step in range((last - first) % 7 + 1))


def _day(name: str) -> int:
    for number, day in enumerate(DAYS):
        if name.lower() in (day, day[:3]):
            return number
    raise WorkingHoursError(
        "{name!r} is not a day: use Mon, Tue, Wed, Thu, Fri, Sat or Sun; " + EXPECTED, name=name
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.utcoffset() is None:
        raise ValueError(f"{moment} has no timezone; give an aware datetime")
    return moment


def _working_days(first: dt.date, hours: WorkingHours) -> list[dt.date]:
    following = (first + dt.timedelta(days=offset) for offset in range(SEARCH_DAYS))
    return [day for day in following if day.weekday() in hours.days]


def _openings(day: dt.date, at: dt.time, tz: dt.tzinfo) -> list[dt.datetime]:
    """Each instant (UTC) the clocks in `tz` reach `day` at `at`: twice when they go back."""
    first = _first_at(day, at, tz)
    again = dt.datetime.combine(day, at, tzinfo=tz).replace(fold=1).astimezone(dt.UTC)
    return [first, again] if again > first else [first]


def _first_at(day: dt.date, at: dt.time, tz: dt.tzinfo) -> dt.datetime:
    """The first instant (UTC) at which the clocks in `tz` show `day` at `at` or later."""
    wall = dt.datetime.combine(day, at)
    later = wall.replace(tzinfo=tz).astimezone(dt.UTC)  # fold 0: the first of repeated times
    if _wall(later, tz) == wall:
        return later
    # The clocks skipped `at`: they read past it from the instant they jumped, which lies
    # between this wall time read with the offset after the change and with the one before.
    earlier = wall.replace(tzinfo=tz, fold=1).astimezone(dt.UTC)
    while later - earlier > TICK:
        middle = earlier + (later - earlier) / 2
        if _wall(middle, tz) >= wall:
            later = middle
        else:
            earlier = middle
    return later


def _wall(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    return moment.astimezone(tz).replace(tzinfo=None)
