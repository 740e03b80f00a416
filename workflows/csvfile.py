"""CSV files people export from spreadsheets: one header row, every bad line reported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
Row = tuple[int, dict[str, str]]


@dataclass(frozen=True)
class LineProblem:
    """One thing wrong with a file, at a line."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


def read_rows(
    text: str, file: str, columns: tuple[str, ...], *, noun: str = "rows"
) -> tuple[list[Row], list[LineProblem]]:
    """(line, stripped values) for each row with the right shape, and a problem for the rest."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    if header != list(columns):
        return [], [LineProblem(file, 1, f"the header must be exactly {','.join(columns)}")]
    rows: list[Row] = []
    problems: list[LineProblem] = []
    try:
        for record in reader:
            _take(record, reader.line_num, columns, file, rows, problems)
    except csv.Error as exc:  # e.g. a field past the csv module's size limit
        # The reader fails before counting the line it could not read.
        problems.append(LineProblem(file, reader.line_num + 1, f"cannot read this line: {exc}"))
    if not rows and not problems:
        problems.append(LineProblem(file, 1, f"the file has a header but no {noun}"))
    return rows, problems


def _take(
    record: dict[str | None, str | None],
    line: int,
    columns: tuple[str, ...],
    file: str,
    rows: list[Row],
    problems: list[LineProblem],
) -> None:
    if None in record:
        problems.append(LineProblem(file, line, "too many columns (is there an unquoted comma?)"))
    elif any(value is None for value in record.values()):
        problems.append(LineProblem(file, line, f"expected {len(columns)} columns"))
    else:
        rows.append((line, {k: (v or "").strip() for k, v in record.items() if k}))


def email_problem(value: str, column: str = "email") -> str | None:
    """Why `value` is not an email address, or None."""
    return None if EMAIL.match(value) else f"{column} {value!r} is not an email address"


def parse_day(
    value: str, column: str, *, latest: dt.date | None = None
) -> tuple[dt.date | None, str | None]:
    """An ISO date (blank = none) no later than `latest`, or the reason it is not one."""
    if not value:
        return None, None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None, f"{column} {value!r} is not a date like 2026-10-02"
    if latest is not None and day > latest:
        return None, f"{column} {value} is in the future"
    return day, None
