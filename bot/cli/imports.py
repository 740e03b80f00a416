"""`seatkeeper import people|seats|usage FILE.csv`: each file checked whole before it applies."""

from __future__ import annotations

import codecs
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.passes.sync import reconcile_in_batches
from bot.runtime.batches import Breather, batched, in_batches
from bot.runtime.runner import Runner
from workflows.catalog import Config
from workflows.commands import ReclaimLeavers, ReconcileSeats, RecordUsage
from workflows.csvfile import decode
from workflows.imports import USAGE_REPORT, each_usage, latest_usage, parse_seats
from workflows.people import (
    ApplyPeople,
    LineProblem,
    PersonRow,
    apply_people,
    directory_conflicts,
    manager_problems,
    parse_people,
)
from workflows.reclaim import reclaim_leavers
from workflows.sync import record_usage

BOM = codecs.BOM_UTF8
# Usage rows per batch: each app's rows of a batch are one transaction (a Slack delivery
# waiting for the write lock waits for one), and a batch is all the file held in memory.
USAGE_BATCH = 20_000


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    problems: list[LineProblem] | None = None
    ignored: int = 0
    unchanged: int = 0
    leaver_seats: int = 0  # seats of people the file marks inactive, now being taken back
    warnings: list[str] = field(default_factory=list)  # imported, but worth a look


def import_people(
    path: Path, *, runner: Runner, slack: WebClient | None, pause: float = 0.0
) -> ImportResult:
    """Check every line (Slack ids looked up by email where blank) and apply only a clean file.

    A clean file is applied in batches, each its own transaction (`pause` seconds apart);
    every batch is an upsert, so running an interrupted import again completes it.
    """
    text, problems = _read(path)
    if problems:
        return ImportResult(problems=problems)
    rows, problems = parse_people(text, str(path))
    with runner.uow() as uow:
        problems += directory_conflicts(rows, str(path), uow=uow)
        managers, warnings = manager_problems(rows, str(path), uow=uow)
    problems += managers
    if problems:
        return ImportResult(problems=sorted(problems, key=lambda p: p.line))
    without_slack = _resolve_slack_ids(rows, slack)
    counts = in_batches(runner, apply_people, rows, ApplyPeople, pause=pause)
    added, updated = sum(a for a, _ in counts), sum(u for _, u in counts)
    leavers = runner(reclaim_leavers, ReclaimLeavers())
    if without_slack:
        warnings.append(_without_slack(without_slack, slack))
    return ImportResult(
        added,
        updated,
        [],
        unchanged=len(rows) - added - updated,
        leaver_seats=leavers.count("leaver"),
        warnings=warnings,
    )


def _without_slack(count: int, slack: WebClient | None) -> str:
    who = "1 person has" if count == 1 else f"{count} people have"
    if slack is None or not slack.token:
        return (
            f"{who} no Slack id yet: import again with SLACK_BOT_TOKEN set to look them up by "
            "email, or they are matched when they first use Seatkeeper"
        )
    return f"{who} no Slack user with their email: they are matched if they join Slack"


def _resolve_slack_ids(rows: list[PersonRow], slack: WebClient | None) -> int:
    """Look up blank Slack ids of active people by email; return how many are still blank."""
    blank = [row for row in rows if not row.slack_user_id and row.active]
    if slack is None or not slack.token:
        return len(blank)
    missing = 0
    for row in blank:
        try:
            row.slack_user_id = slack.users_lookupByEmail(email=row.email)["user"]["id"]
        except SlackApiError:
            missing += 1  # not in Slack (yet): stored without an id, matched when they join
    return missing


def import_seats(path: Path, *, runner: Runner, pause: float = 0.0) -> ImportResult:
    """Load the complete seat list of each app the file names (csv/manual apps only); a file
    with any problem changes nothing. Each app's new seats are added a batch per transaction
    (`pause` seconds apart), then its list reconciled in one."""
    text, problems = _read(path)
    today = runner.clock.now().date()
    per_app, parse_problems = (
        parse_seats(text, str(path), runner.config, today=today) if text else ({}, [])
    )
    problems += parse_problems
    if problems:
        return ImportResult(problems=problems)
    added = updated = 0
    for app_key, rows in per_app.items():
        drift = reconcile_in_batches(runner, ReconcileSeats(app_key, rows), pause=pause)
        added += len(drift.found)
        updated += len(drift.gone) + len(drift.tier_changes) + drift.activity
    return ImportResult(added, updated, [])


def import_usage(path: Path, *, runner: Runner, pause: float = 0.0) -> ImportResult:
    """Record last activity from the file; rows for people without a seat are counted.

    The file is checked whole, then read again and applied a batch of rows at a time, each
    app's rows of a batch in their own transaction (`pause` seconds apart): a usage export of
    millions of rows is never held in memory, nor the write lock held for all of it.
    """
    today = runner.clock.now().date()
    problems = _usage_problems(path, runner.config, today)
    if problems or path.stat().st_size <= len(BOM):
        return ImportResult(problems=problems)
    updated = ignored = 0
    breathe = Breather(pause)
    with _text(path) as lines:
        rows = each_usage(lines, str(path), runner.config, [], today=today)
        for batch in batched(rows, USAGE_BATCH):
            for app_key, usage in latest_usage(batch).items():
                breathe()
                cmd = RecordUsage(app_key, usage, USAGE_REPORT)
                one, without_seat = runner(record_usage, cmd)
                updated, ignored = updated + one, ignored + without_seat
    return ImportResult(0, updated, [], ignored=ignored)


def _usage_problems(path: Path, config: Config, today: dt.date) -> list[LineProblem]:
    """Every problem of a usage file (none for an empty one), read a line at a time."""
    if path.stat().st_size <= len(BOM):
        return _read(path)[1]
    problems: list[LineProblem] = []
    try:
        with _text(path) as lines:
            for _ in each_usage(lines, str(path), config, problems, today=today):
                pass
    except UnicodeDecodeError:
        return _read(path)[1]  # where the first byte that is not UTF-8 is
    return sorted(problems, key=lambda p: p.line)


def _text(path: Path) -> TextIO:
    # newline="": the csv module reads the line endings itself, so \r alone ends a line too.
    return path.open(encoding="utf-8-sig", newline="")


def _read(path: Path) -> tuple[str, list[LineProblem]]:
    """The file's text, or where it is not UTF-8; a file that cannot be read raises OSError."""
    return decode(path.read_bytes(), str(path))
