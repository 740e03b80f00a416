"""`seatkeeper import people FILE.csv`: the directory from CSV, all lines or none."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.batches import in_batches
from bot.runner import Runner
from workflows.csvfile import decode
from workflows.imports import parse_seats, parse_usage
from workflows.people import (
    LineProblem,
    PersonRow,
    apply_people,
    directory_conflicts,
    parse_people,
)
from workflows.sync import reconcile_seats, record_usage


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    problems: list[LineProblem] | None = None
    ignored: int = 0
    unchanged: int = 0


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
    problems += _resolve_slack_ids(rows, slack, str(path))
    with runner.uow() as uow:
        problems += directory_conflicts(rows, str(path), uow=uow)
    if problems:
        return ImportResult(problems=sorted(problems, key=lambda p: p.line))
    counts = in_batches(runner, apply_people, rows, pause=pause)
    added, updated = sum(a for a, _ in counts), sum(u for _, u in counts)
    return ImportResult(added, updated, [], unchanged=len(rows) - added - updated)


def _resolve_slack_ids(
    rows: list[PersonRow], slack: WebClient | None, file: str
) -> list[LineProblem]:
    problems = []
    for row in rows:
        if row.slack_user_id or not row.active:
            continue
        if slack is None or not slack.token:
            problems.append(
                LineProblem(
                    file,
                    row.line,
                    "slack_user_id is blank and SLACK_BOT_TOKEN is not set to look it up by email",
                )
            )
            continue
        try:
            row.slack_user_id = slack.users_lookupByEmail(email=row.email)["user"]["id"]
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response else "unknown error"
            problems.append(
                LineProblem(file, row.line, f"no Slack user has the email {row.email} ({error})")
            )
    return problems


def import_seats(path: Path, *, runner: Runner) -> ImportResult:
    """Load the complete seat list of each app the file names (csv/manual apps only)."""
    text, problems = _read(path)
    today = runner.clock.now().date()
    seats, parse_problems = (
        parse_seats(text, str(path), runner.config, today=today) if text else ({}, [])
    )
    problems += parse_problems
    if problems:
        return ImportResult(problems=problems)
    added = updated = 0
    for app_key, records in seats.items():
        drift = runner(reconcile_seats, app_key, records)
        added += len(drift.found)
        updated += len(drift.gone) + len(drift.tier_changes) + drift.activity
    return ImportResult(added, updated, [])


def import_usage(path: Path, *, runner: Runner) -> ImportResult:
    """Record last activity from the file; rows for people without a seat are counted."""
    text, problems = _read(path)
    today = runner.clock.now().date()
    usage, parse_problems = (
        parse_usage(text, str(path), runner.config, today=today) if text else ({}, [])
    )
    problems += parse_problems
    if problems:
        return ImportResult(problems=problems)
    updated = ignored = 0
    for app_key, days in usage.items():
        changed, unknown = runner(record_usage, app_key, days)
        updated, ignored = updated + changed, ignored + len(unknown)
    return ImportResult(0, updated, [], ignored=ignored)


def _read(path: Path) -> tuple[str, list[LineProblem]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return "", [LineProblem(str(path), 0, f"cannot read the file: {exc}")]
    return decode(raw, str(path))
