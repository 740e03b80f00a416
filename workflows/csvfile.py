"""CSV files people export from spreadsheets: one header row, every bad line reported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from workflows.text import MAX_EMAIL, control_problem, length_problem

EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
Row = tuple[int, dict[str, str]]
SHOWN = 60  # characters of a bad value quoted in a problem


@dataclass(frozen=True)
class LineProblem:
    """One thing wrong with a file, at a line."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


def decode(raw: bytes, file: str) -> tuple[str, list[LineProblem]]:
    """The file's text (UTF-8, with or without a byte order mark), or where it is not UTF-8."""
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        reason = f"byte 0x{raw[exc.start]:02X} is not UTF-8 text; save the file as UTF-8"
        return "", [LineProblem(file, line, reason)]


def read_rows(
    text: str, file: str, columns: tuple[str, ...], *, noun: str = "rows"
) -> tuple[list[Row], list[LineProblem]]:
    """(line, stripped values) for each row with the right shape, and a problem for the rest."""
    # newline="": the csv module reads the line endings itself, so \r alone ends a line too.
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in reader.fieldnames or []]
    except csv.Error as exc:
        return [], [LineProblem(file, 1, f"cannot read the header: {exc}")]
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
        values = {k: (v or "").strip() for k, v in record.items() if k}
        bad = [p for k, v in values.items() if (p := control_problem(v, k))]
        problems.extend(LineProblem(file, line, reason) for reason in bad)
        if not bad:
            rows.append((line, values))


def shown(value: str) -> str:
    """A bad value as a problem quotes it: in quotes, cut short when long."""
    return repr(value if len(value) <= SHOWN else value[:SHOWN] + "…")


def email_problem(value: str, column: str = "email") -> str | None:
    """Why `value` is not an email address, or None."""
    if too_long := length_problem(value, column, MAX_EMAIL):
        return too_long
    return None if EMAIL.match(value) else f"{column} {shown(value)} is not an email address"


def parse_day(
    value: str, column: str, *, latest: dt.date | None = None
) -> tuple[dt.date | None, str | None]:
    """An ISO date (blank = none) no later than `latest`, or the reason it is not one."""
    if not value:
        return None, None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return None, f"{column} {shown(value)} is not a date like 2026-10-02"
    if latest is not None and day > latest:
        return None, f"{column} {value} is in the future"
    return day, None
