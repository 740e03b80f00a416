"""The directory from CSV: parse and check every line before anything is applied."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from workflows.catalog import SLACK_USER_ID
from workflows.model import Person
from workflows.ports import UnitOfWork

PEOPLE_COLUMNS = ("email", "name", "slack_user_id", "manager_email", "department", "active")
EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
TRUE, FALSE = {"true", "yes", "1", "y"}, {"false", "no", "0", "n"}


@dataclass(frozen=True)
class LineProblem:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass
class PersonRow:
    line: int
    email: str
    name: str
    slack_user_id: str | None
    manager_email: str | None
    department: str
    active: bool


def parse_people(text: str, file: str) -> tuple[list[PersonRow], list[LineProblem]]:
    """Every valid row and every problem (file, line, reason); a header problem stops early."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    if header != list(PEOPLE_COLUMNS):
        expected = ",".join(PEOPLE_COLUMNS)
        return [], [LineProblem(file, 1, f"the header must be exactly {expected}")]
    rows, problems, seen = [], [], {}
    for record in reader:
        line = reader.line_num
        row, reasons = _row(record, line)
        for key in (row.email, row.slack_user_id) if row is not None else ():
            if key is not None and key in seen:
                reasons.append(f"{key} is already on line {seen[key]}")
        problems += [LineProblem(file, line, reason) for reason in reasons]
        if row is not None and not reasons:
            seen.update({key: line for key in (row.email, row.slack_user_id) if key})
            rows.append(row)
    if not rows and not problems:
        problems.append(LineProblem(file, 1, "the file has a header but no people"))
    return rows, problems


def _row(record: dict[str | None, str | None], line: int) -> tuple[PersonRow | None, list[str]]:
    if None in record:
        return None, ["too many columns (is there an unquoted comma?)"]
    if any(v is None for v in record.values()):
        return None, [f"expected {len(PEOPLE_COLUMNS)} columns"]
    values = {k: (v or "").strip() for k, v in record.items() if k is not None}
    reasons = []
    email = values["email"].lower()
    if not EMAIL.match(email):
        reasons.append(f"email {values['email']!r} is not an email address")
    manager = values["manager_email"].lower() or None
    if manager and not EMAIL.match(manager):
        reasons.append(f"manager_email {manager!r} is not an email address")
    slack = values["slack_user_id"] or None
    if slack and not SLACK_USER_ID.match(slack):
        reasons.append(f"slack_user_id {slack!r} is not a Slack user id (U…)")
    active = values["active"].lower() or "true"
    if active not in TRUE | FALSE:
        reasons.append(f"active {values['active']!r} must be true or false")
    row = PersonRow(
        line, email, values["name"], slack, manager, values["department"], active in TRUE
    )
    return row, reasons


def directory_conflicts(rows: list[PersonRow], file: str, *, uow: UnitOfWork) -> list[LineProblem]:
    """Lines whose Slack id already belongs to someone else in the directory."""
    in_file = {row.email for row in rows}
    problems = []
    for row in rows:
        holder = uow.people.by_slack_id(row.slack_user_id) if row.slack_user_id else None
        if holder is not None and holder.email != row.email and holder.email not in in_file:
            problems.append(
                LineProblem(
                    file,
                    row.line,
                    f"slack_user_id {row.slack_user_id} already belongs to {holder.email}",
                )
            )
    return problems


def apply_people(rows: list[PersonRow], *, uow: UnitOfWork) -> tuple[int, int]:
    """Insert or update everyone in `rows`; return (added, updated)."""
    added = updated = 0
    for row in rows:
        person = uow.people.by_email(row.email)
        if person is None:
            uow.people.add(
                Person(
                    email=row.email,
                    name=row.name,
                    slack_user_id=row.slack_user_id,
                    manager_email=row.manager_email,
                    department=row.department,
                    active=row.active,
                )
            )
            added += 1
            continue
        person.name, person.manager_email = row.name, row.manager_email
        person.department, person.active = row.department, row.active
        person.slack_user_id = row.slack_user_id or person.slack_user_id
        updated += 1
    return added, updated
