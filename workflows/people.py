"""The directory from CSV: parse and check every line before anything is applied."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workflows.catalog import SLACK_USER_ID, Config
from workflows.commands import SyncPeople
from workflows.csvfile import LineProblem, email_problem, read_rows, shown
from workflows.directory import sync_people
from workflows.model import Person
from workflows.ports import Clock, PersonRecord, UnitOfWork
from workflows.text import MAX_NAME, MAX_SLACK_ID, length_problem

PEOPLE_COLUMNS = ("email", "name", "slack_user_id", "manager_email", "department", "active")
TRUE, FALSE = {"true", "yes", "1", "y"}, {"false", "no", "0", "n"}


@dataclass
class PersonRow:
    line: int
    email: str
    name: str
    slack_user_id: str | None
    manager_email: str | None
    department: str
    active: bool


# Beside its rows rather than in workflows.commands, which this module's directory imports.
@dataclass(frozen=True)
class ApplyPeople:
    """Insert or update everyone in the rows of a checked people file."""

    rows: Sequence[PersonRow]


def parse_people(text: str, file: str) -> tuple[list[PersonRow], list[LineProblem]]:
    """Every valid row and every problem (file, line, reason); a header problem stops early."""
    records, problems = read_rows(text, file, PEOPLE_COLUMNS, noun="people")
    rows: list[PersonRow] = []
    seen: dict[str, int] = {}
    for line, values in records:
        row, reasons = _row(values, line)
        for key in (row.email, row.slack_user_id):
            if key is not None and key in seen:
                reasons.append(f"{key} is already on line {seen[key]}")
        problems += [LineProblem(file, line, reason) for reason in reasons]
        if not reasons:
            seen.update({key: line for key in (row.email, row.slack_user_id) if key})
            rows.append(row)
    return rows, sorted(problems, key=lambda p: p.line)


def _row(values: dict[str, str], line: int) -> tuple[PersonRow, list[str]]:
    email = values["email"].lower()
    reasons = [r for r in (email_problem(email),) if r]
    manager = values["manager_email"].lower() or None
    if manager and (problem := email_problem(manager, "manager_email")):
        reasons.append(problem)
    slack = values["slack_user_id"] or None
    if slack and (len(slack) > MAX_SLACK_ID or not SLACK_USER_ID.match(slack)):
        reasons.append(f"slack_user_id {shown(slack)} is not a Slack user id (U…)")
    active = values["active"].lower() or "true"
    if active not in TRUE | FALSE:
        reasons.append(f"active {shown(values['active'])} must be true or false")
    reasons += [r for c in ("name", "department") if (r := length_problem(values[c], c, MAX_NAME))]
    row = PersonRow(
        line, email, values["name"], slack, manager, values["department"], active in TRUE
    )
    return row, reasons


def directory_conflicts(rows: list[PersonRow], file: str, *, uow: UnitOfWork) -> list[LineProblem]:
    """Lines whose Slack id already belongs to someone else in the directory."""
    in_file = {row.email for row in rows}
    wanted = [row.slack_user_id for row in rows if row.slack_user_id]
    holders = {person.slack_user_id: person for person in uow.people.rows_by_slack_ids(wanted)}
    problems = []
    for row in rows:
        holder = holders.get(row.slack_user_id) if row.slack_user_id else None
        if holder is not None and holder.email != row.email and holder.email not in in_file:
            problems.append(
                LineProblem(
                    file,
                    row.line,
                    f"slack_user_id {row.slack_user_id} already belongs to {holder.email}",
                )
            )
    return problems


def manager_problems(
    rows: list[PersonRow], file: str, *, uow: UnitOfWork
) -> tuple[list[LineProblem], list[str]]:
    """Managers who cannot approve: unknown, oneself, or in a loop (line problems); and those
    who have left (warnings: their people's approvals go to the admins)."""
    in_file = {row.email: row for row in rows}
    named = {row.manager_email for row in rows if row.manager_email}
    known = {p.email: p for p in uow.people.by_emails(named - set(in_file))}
    problems, left = [], []
    for row in rows:
        manager = row.manager_email
        if manager is None:
            continue
        if manager == row.email:
            problems.append(LineProblem(file, row.line, f"{row.email} is their own manager"))
        elif manager not in in_file and manager not in known:
            problems.append(
                LineProblem(
                    file,
                    row.line,
                    f"manager_email {manager} is neither in this file nor in the directory",
                )
            )
        elif row.active and not _active(manager, in_file, known):
            left.append(row.email)
    problems += _loops(rows, in_file, file)
    warnings = []
    if left:
        shown_ = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
        who = "1 person" if len(left) == 1 else f"{len(left)} people"
        has = "has" if len(left) == 1 else "have"
        warnings.append(
            f"{who} ({shown_}) {has} a manager who has left: their approvals go to the admins "
            "until the directory names another"
        )
    return problems, warnings


def _active(email: str, in_file: dict[str, PersonRow], known: dict[str, Person]) -> bool:
    row = in_file.get(email)
    return row.active if row is not None else known[email].active


def _loops(rows: list[PersonRow], in_file: dict[str, PersonRow], file: str) -> list[LineProblem]:
    """One problem per manager loop within the file (a manages b manages a), at its first line."""
    problems, seen = [], set()
    for row in rows:
        chain, current = [row.email], row.manager_email
        while current in in_file and current not in chain:
            chain.append(current)
            current = in_file[current].manager_email
        if current is None or current not in chain or current == chain[-1] == row.email:
            continue
        loop = chain[chain.index(current) :]
        if frozenset(loop) in seen or len(loop) < 2:
            continue
        seen.add(frozenset(loop))
        first = min(in_file[email].line for email in loop)
        path = " → ".join([*loop, current])
        problems.append(LineProblem(file, first, f"manager loop: {path}"))
    return problems


def apply_people(
    cmd: ApplyPeople, *, uow: UnitOfWork, config: Config, clock: Clock
) -> tuple[int, int]:
    """Insert or update everyone in `rows` (leavers recorded); return (added, updated)."""
    records = [
        PersonRecord(
            row.email, row.name, row.slack_user_id, row.manager_email, row.department, row.active
        )
        for row in cmd.rows
    ]
    drift = sync_people(SyncPeople(records, actor="import"), uow=uow, config=config, clock=clock)
    return len(drift.added), len(drift.updated)
