"""`seatkeeper report KIND`: report rows as a table, CSV or JSON, on stdout or in a file.

The rows come from `workflows.reports`; this module checks the options and reads the rows in
one unit of work that is never committed. `report_formats` spells them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import shutil
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from pathlib import Path

from bot.bootstrap import Container
from bot.cli.report_formats import count, render
from workflows.catalog import Config
from workflows.reports import FILTERS, Filters, report

PIPE_WIDTH = 120  # the table's width when stdout is a file or a pipe
OPTIONS = {"app": "--app", "person": "--person", "idle_days": "--idle-days", "since": "--since"}
SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class BadInput(Exception):
    """An option the user gave cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Asked:
    """A report as the command line asked for it."""

    kind: str
    format: str
    filters: Filters
    output: Path | None


def run_report(
    args: argparse.Namespace, open_app: Callable[[], AbstractContextManager[Container]]
) -> int:
    """Print or write the report `args` ask for; 2 on bad input, 1 if the file cannot be written."""
    try:
        asked = _asked(args)
        with open_app() as container:
            _check_app(asked.filters.app, container.config)
            now = container.clock.now()
            with container.runner.uow() as uow:
                rows = report(asked.kind, asked.filters, uow=uow, config=container.config, now=now)
            currency = container.config.currency
    except BadInput as exc:
        print(f"seatkeeper: {exc}", file=sys.stderr)
        return 2
    text = render(
        rows,
        asked.format,
        filters=asked.filters,
        currency=currency,
        now=now,
        width=_width(asked.output),
    )
    if asked.output is None:
        sys.stdout.write(text)
        return 0
    if not _written(text, asked.output, csv=asked.format == "csv"):
        return 1
    print(f"{asked.kind} report: {count(len(rows.rows))} written to {asked.output}")
    return 0


def _written(text: str, path: Path, *, csv: bool) -> bool:
    # Excel reads a CSV file without a byte order mark in the local code page.
    encoding = "utf-8-sig" if csv else "utf-8"
    try:
        with path.open("w", encoding=encoding, newline="") as file:
            file.write(text)
    except OSError as exc:
        print(f"seatkeeper: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return False
    return True


def _asked(args: argparse.Namespace) -> Asked:
    filters = Filters(
        app=args.app,
        person=_person(args.person),
        idle_days=_idle_days(args.idle_days),
        since=_since(args.since),
    )
    for field in fields(filters):
        if getattr(filters, field.name) is not None and field.name not in FILTERS[args.kind]:
            applies = ", ".join(OPTIONS[name] for name in FILTERS[args.kind])
            raise BadInput(
                f"{OPTIONS[field.name]} does not apply to the {args.kind} report "
                f"(it takes {applies})"
            )
    return Asked(args.kind, args.format, filters, args.output)


def _person(value: str | None) -> str | None:
    if value is None:
        return None
    wanted = value.strip()
    if "@" not in wanted and not SLACK_ID.match(wanted):
        raise BadInput(f"--person: expected an email or a Slack user id (U…), got {value!r}")
    return wanted


def _idle_days(value: str | None) -> int | None:
    if value is None:
        return None
    if not re.fullmatch(r"\d+", value.strip()):
        raise BadInput(f"--idle-days: expected a whole number of days, 0 or more, got {value!r}")
    return int(value)


def _since(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        # fromisoformat alone also takes 20250102 and week dates; ask for one spelling.
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            raise ValueError
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"--since: expected a date as YYYY-MM-DD, got {value!r}") from None


def _check_app(key: str | None, config: Config) -> None:
    if key is not None and config.app(key) is None:
        known = ", ".join(app.key for app in config.apps) or "none"
        raise BadInput(f"--app: no app {key!r} in the catalog (its apps: {known})")


def _width(output: Path | None) -> int:
    if output is None and sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return PIPE_WIDTH
