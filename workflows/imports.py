"""Seats (of apps with no vendor API) and usage (of any app) from CSV, checked whole first.

A seats file is each app's complete seat list, so it is refused for an app whose vendor lists
its seats at every sync. A usage file only adds dates, and most vendors report none, so it is
taken for any app.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Callable, Iterable, Iterator

from workflows.catalog import Config
from workflows.csvfile import (
    PLAIN_EMAIL,
    LineProblem,
    Row,
    each_checked,
    email_problem,
    parse_day,
    read_rows,
    shown,
)
from workflows.ports import SeatRecord
from workflows.text import MAX_EMAIL, control_problem

SEAT_COLUMNS = ("app", "tier", "email", "assigned_on", "last_active_on")
USAGE_COLUMNS = ("app", "email", "last_active_on")
IMPORTABLE = ("csv", "manual")  # the connectors whose apps' seats a seats file may set
ONE_DAY = dt.timedelta(days=1)  # a file written in a timezone ahead of ours may say tomorrow
# What a file's last_active_on is, as a seat holder is told: whatever IT exported it from.
USAGE_REPORT = "usage report"
APP_DAYS = 10_000  # (app, date) strings of a usage file whose checks are kept


def parse_seats(
    text: str, file: str, config: Config, *, today: dt.date
) -> tuple[dict[str, list[SeatRecord]], list[LineProblem]]:
    """Seats per app (the complete list for each app the file names), and every problem."""
    rows, problems = read_rows(text, file, SEAT_COLUMNS, noun="seats")
    seats: dict[str, list[SeatRecord]] = {}
    seen: dict[tuple[str, str], int] = {}
    # A file repeats few apps, tiers and dates: each is checked once.
    app_tier = functools.cache(lambda app, tier: _app_tier_problems(app, tier, config))
    day = functools.cache(lambda value, what: parse_day(value, what, latest=today + ONE_DAY))
    for line, values in rows:
        email = values["email"].lower()
        reasons = list(app_tier(values["app"], values["tier"]))
        reasons += [r for r in (email_problem(email),) if r]
        assigned, bad_assigned = day(values["assigned_on"], "assigned_on")
        active, bad_active = day(values["last_active_on"], "last_active_on")
        reasons += [r for r in (bad_assigned, bad_active) if r]
        key = (values["app"], email)
        if key in seen:
            reasons.append(f"{email} already has a {values['app']} seat on line {seen[key]}")
        if reasons:
            problems += [LineProblem(file, line, reason) for reason in reasons]
            continue
        seen[key] = line
        record = SeatRecord(
            email, values["tier"], assigned, active, activity=USAGE_REPORT if active else None
        )
        seats.setdefault(values["app"], []).append(record)
    return seats, sorted(problems, key=lambda p: p.line)


def parse_usage(
    text: str, file: str, config: Config, *, today: dt.date
) -> tuple[dict[str, dict[str, dt.date]], list[LineProblem]]:
    """The latest activity per app and email, and every problem."""
    problems: list[LineProblem] = []
    lines = io.StringIO(text, newline="")
    usage = latest_usage(each_usage(lines, file, config, problems, today=today))
    return usage, sorted(problems, key=lambda p: p.line)


def each_usage(
    lines: Iterable[str],
    file: str,
    config: Config,
    problems: list[LineProblem],
    *,
    today: dt.date,
) -> Iterator[tuple[str, str, dt.date]]:
    """(app, email, day) of each good line of a usage file, one at a time (a file may have
    millions); each bad line's problems are added to `problems`."""
    check = _UsageCheck(file, config, problems, today + ONE_DAY)
    return each_checked(
        lines, file, USAGE_COLUMNS, problems, noun="usage rows", quick=check.quick, check=check
    )


class _UsageCheck:
    """The checks of a usage file's lines: each app and date string checked once (files
    repeat few of them), each line's email by one regular expression, the full checks (which
    name every problem) only for a line these do not pass."""

    def __init__(
        self, file: str, config: Config, problems: list[LineProblem], latest: dt.date
    ) -> None:
        self.file, self.config, self.problems, self.latest = file, config, problems, latest
        self.apps = functools.cache(lambda key: _app_problems(key, config))  # a few apps
        self.app_days: dict[tuple[str, str], tuple[str, dt.date] | None] = {}

    def quick(self, names: list[str]) -> Callable[[list[str]], tuple[str, str, dt.date] | None]:
        """The check of a record with plain values, for a header of these names."""
        width = len(names)
        at_app, at_email, at_day = (names.index(column) for column in USAGE_COLUMNS)
        app_days, app_day, plain = self.app_days, self._app_day, PLAIN_EMAIL.fullmatch

        def accept(record: list[str]) -> tuple[str, str, dt.date] | None:
            if len(record) != width:
                return None
            email = record[at_email].lower()
            if len(email) > MAX_EMAIL or plain(email) is None:  # `plain_email`, inlined
                return None
            key = (record[at_app], record[at_day])
            good = app_days[key] if key in app_days else app_day(key)
            return None if good is None else (good[0], email, good[1])

        return accept

    def _app_day(self, key: tuple[str, str]) -> tuple[str, dt.date] | None:
        """The app and day of a line with these app and date values, if both are good."""
        app, day = (value.strip() for value in key)
        plain = not (control_problem(app, "app") or control_problem(day, "last_active_on"))
        if not plain or self.apps(app):
            found = None
        else:
            parsed, bad = parse_day(day, "last_active_on", latest=self.latest)
            found = None if bad or parsed is None else (app, parsed)
        if len(self.app_days) < APP_DAYS:
            self.app_days[key] = found
        return found

    def __call__(self, row: Row) -> tuple[str, str, dt.date] | None:
        """The line's (app, email, day), or None with its problems added."""
        line, values = row
        email = values["email"].lower()
        reasons = list(self.apps(values["app"]))
        reasons += [r for r in (email_problem(email),) if r]
        day, bad_day = parse_day(values["last_active_on"], "last_active_on", latest=self.latest)
        if bad_day or day is None:
            reasons.append(bad_day or "last_active_on is empty")
        if reasons or day is None:
            self.problems += [LineProblem(self.file, line, reason) for reason in reasons]
            return None
        return values["app"], email, day


def latest_usage(rows: Iterable[tuple[str, str, dt.date]]) -> dict[str, dict[str, dt.date]]:
    """The latest day per app and email."""
    usage: dict[str, dict[str, dt.date]] = {}
    for app, email, day in rows:
        per_app = usage.setdefault(app, {})
        per_app[email] = max(day, per_app.get(email, day))
    return usage


def _app_tier_problems(app_key: str, tier: str, config: Config) -> tuple[str, ...]:
    """What is wrong with a seats file's app and tier."""
    reasons = _app_problems(app_key, config, seats=True)
    app = config.app(app_key)
    if app is not None and app.tier(tier) is None:
        tiers = ", ".join(t.key for t in app.tiers)
        reasons.append(f"{app_key} has no tier {shown(tier)} (tiers: {tiers})")
    return tuple(reasons)


def _app_problems(app_key: str, config: Config, *, seats: bool = False) -> list[str]:
    app = config.app(app_key)
    if app is None:
        known = ", ".join(a.key for a in config.apps) or "none"
        return [f"{shown(app_key)} is not an app in the catalog (apps: {known})"]
    if seats and app.connector.type not in IMPORTABLE:
        return [
            f"{app_key}'s seats come from its {app.connector.type} connector; "
            "import seats only for apps with a csv or manual connector"
        ]
    return []
