"""`seatkeeper import people FILE.csv`: the directory from CSV, all lines or none."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runner import Runner
from workflows.people import (
    LineProblem,
    PersonRow,
    apply_people,
    directory_conflicts,
    parse_people,
)


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    problems: list[LineProblem] | None = None


def import_people(path: Path, *, runner: Runner, slack: WebClient | None) -> ImportResult:
    """Check every line (Slack ids looked up by email where blank) and apply only a clean file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return ImportResult(problems=[LineProblem(str(path), 0, f"cannot read the file: {exc}")])
    rows, problems = parse_people(text, str(path))
    problems += _resolve_slack_ids(rows, slack, str(path))
    with runner.uow() as uow:
        problems += directory_conflicts(rows, str(path), uow=uow)
    if problems:
        return ImportResult(problems=sorted(problems, key=lambda p: p.line))
    added, updated = runner(lambda **kw: apply_people(rows, uow=kw["uow"]))
    return ImportResult(added, updated, [])


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
