"""Crontab expressions read as cron reads them.

APScheduler 3's `CronTrigger.from_crontab` passes the day-of-week field through unchanged,
and its own numbering starts at Monday = 0, where cron's starts at Sunday = 0 (and 7): `1-5`
would run Tuesday to Saturday. Here the field is read with cron's numbering (numbers, names,
ranges, lists and steps) and handed on as day names, which mean the same to both.
"""

from __future__ import annotations

import datetime as dt

from apscheduler.triggers.cron import CronTrigger

DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def crontab_trigger(expr: str, timezone: dt.tzinfo | str) -> CronTrigger:
    """The trigger for a five-field crontab; ValueError names what is wrong."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"wrong number of fields; got {len(fields)}, expected 5")
    minute, hour, day, month, weekdays = fields
    return CronTrigger(
        minute=minute,
        hour=hour,
        day=day,
        month=month,
        day_of_week=cron_weekdays(weekdays),
        timezone=timezone,
    )


def cron_weekdays(field: str) -> str:
    """Cron's day-of-week field as a list of day names (`*` stays `*`)."""
    if field == "*":
        return field
    days: set[int] = set()
    for part in field.split(","):
        days |= _part(part)
    return ",".join(DAYS[d] for d in sorted(days))


def _part(part: str) -> set[int]:
    """The days (Sunday = 0) one comma-separated part of the field names."""
    span, _, step_text = part.partition("/")
    step = _number(step_text, "step") if step_text else 1
    if step < 1:
        raise ValueError(f"day-of-week step must be 1 or more, not {step_text!r}")
    if span == "*":
        first, last = 0, 6
    else:
        start, dash, end = span.partition("-")
        first = _day(start)
        last = _day(end, upper=True) if dash else (7 if step_text else first)
    if first > last:
        raise ValueError(f"day-of-week range {span!r} runs backwards")
    return {d % 7 for d in range(first, last + 1, step)}


def _day(text: str, *, upper: bool = False) -> int:
    """A day by cron number (0-7) or name; Sunday at a range's end counts as 7."""
    name = text.strip().lower()[:3]
    if name in DAYS:
        return 7 if upper and name == "sun" else DAYS.index(name)
    number = _number(text, "day of the week")
    if not 0 <= number <= 7:
        raise ValueError(f"day of the week must be 0-7 (0 and 7 are Sunday), not {text!r}")
    return number if upper or number < 7 else 0


def _number(text: str, what: str) -> int:
    if not text.isdigit():
        raise ValueError(f"{what} {text!r} is not a number")
    return int(text)
