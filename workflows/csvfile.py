"""CSV files people export from spreadsheets: one header row, every bad line reported."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from _csv import Reader

from workflows.text import MAX_EMAIL, control_problem, length_problem

EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")
# An email EMAIL takes with no control character or lone surrogate (`control_problem`'s) and
# nothing to strip: a value that needs none of the checks that name a problem.
_PLAIN = "[^@\\s,\x00-\x1f\x7f-\x9f\ud800-\udfff]+"
PLAIN_EMAIL = re.compile(f"{_PLAIN}@{_PLAIN}\\.{_PLAIN}")
Row = tuple[int, dict[str, str]]
SHOWN = 60  # characters of a bad value quoted in a problem
T = TypeVar("T")


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
        reason = (
            f"byte 0x{raw[exc.start]:02X} is not UTF-8 text (the file is probably in another "
            "encoding, such as Excel's default): save it as 'CSV UTF-8' and import it again"
        )
        return "", [LineProblem(file, line, reason)]


def read_rows(
    text: str, file: str, columns: tuple[str, ...], *, noun: str = "rows"
) -> tuple[list[Row], list[LineProblem]]:
    """(line, stripped values by column) for each row with the right shape, and a problem for
    the rest. The header names the columns in any order and case; a file separated by `;` (as
    spreadsheets in many languages export it) or by tabs is read as such."""
    # newline="": the csv module reads the line endings itself, so \r alone ends a line too.
    problems: list[LineProblem] = []
    lines = io.StringIO(text, newline="")
    rows = list(each_row(lines, file, columns, problems, noun=noun))
    return rows, problems


def each_row(
    lines: Iterable[str],
    file: str,
    columns: tuple[str, ...],
    problems: list[LineProblem],
    *,
    noun: str = "rows",
) -> Iterator[Row]:
    """`read_rows` one row at a time, from lines as a file opened with newline="" gives them;
    the problems are added to `problems` as they are found."""
    return each_checked(lines, file, columns, problems, noun=noun, quick=_nothing, check=_row)


def each_checked(
    lines: Iterable[str],
    file: str,
    columns: tuple[str, ...],
    problems: list[LineProblem],
    *,
    noun: str,
    quick: Callable[[list[str]], Callable[[list[str]], T | None]],
    check: Callable[[Row], T | None],
) -> Iterator[T]:
    """`check(row)` of each row `each_row` would give that it accepts (it adds the problems of
    the rest), `quick`'s answer first where it has one.

    `quick(names)` (the header's) gives a check of a record as the csv module reads it. It may
    answer only for a record whose row `check` accepts, with what `check` would return: a
    cheap test of the common case, where every value is plain, saves the general one (a file
    may have millions of lines). None leaves the record to `each_row`'s checks and `check`.
    """
    found = len(problems)
    start = _reader(lines, file, columns, problems)
    if start is None:
        return
    reader, names = start
    accept = quick(names)
    any_row = False
    try:
        for record in reader:
            value = accept(record)
            if value is None:
                row = _take(record, reader.line_num, names, file, problems)
                if row is None:
                    continue
                any_row = True
                value = check(row)
                if value is None:
                    continue
            any_row = True
            yield value
    except csv.Error as exc:  # e.g. a field past the csv module's size limit
        problems.append(LineProblem(file, reader.line_num, f"cannot read this line: {exc}"))
    if not any_row and len(problems) == found:
        problems.append(LineProblem(file, 1, f"the file has a header but no {noun}"))


def _reader(
    lines: Iterable[str], file: str, columns: tuple[str, ...], problems: list[LineProblem]
) -> tuple[Reader, list[str]] | None:
    """A csv reader past a good header, and the header's names (lowercase); or None, with the
    header's problem added."""
    lines = iter(lines)
    first = next(lines, "")
    reader = csv.reader(itertools.chain([first], lines), delimiter=separator(first))
    try:
        header = next(reader, [])
    except csv.Error as exc:
        problems.append(LineProblem(file, 1, f"cannot read the header: {exc}"))
        return None
    names = [name.strip().lower() for name in header]
    problem = header_problem(names, columns)
    if problem:
        problems.append(LineProblem(file, 1, problem))
        return None
    return reader, names


def _nothing(names: list[str]) -> Callable[[list[str]], None]:
    return lambda record: None


def _row(row: Row) -> Row:
    return row


def separator(text: str) -> str:
    """The character that separates the header's columns: `,`, or `;` or a tab if they are
    used and commas are not."""
    first = text.split("\n", 1)[0]
    counts = {sep: first.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","


def header_problem(names: list[str], columns: tuple[str, ...]) -> str | None:
    """What is wrong with a header's column names (lowercase), or None."""
    expected = f"the header names these columns, in any order: {','.join(columns)}"
    if not any(names):
        return f"the first line must be a header; {expected}"
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    missing = [c for c in columns if c not in names]
    unknown = [shown(n) for n in names if n not in columns]
    found = []
    if missing:
        found.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if unknown:
        found.append(f"unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}")
    if repeated:
        found.append(f"column{'s' if len(repeated) > 1 else ''} named twice: {', '.join(repeated)}")
    return f"{'; '.join(found)} ({expected})" if found else None


def _take(
    record: list[str], line: int, names: list[str], file: str, problems: list[LineProblem]
) -> Row | None:
    if not any(value.strip() for value in record):
        return None  # a blank line (spreadsheets often end with some)
    if len(record) > len(names):
        problems.append(LineProblem(file, line, "too many columns (is there an unquoted comma?)"))
    elif len(record) < len(names):
        problems.append(LineProblem(file, line, f"expected {len(names)} columns"))
    else:
        values = {name: value.strip() for name, value in zip(names, record, strict=True)}
        bad = [p for k, v in values.items() if (p := control_problem(v, k))]
        problems.extend(LineProblem(file, line, reason) for reason in bad)
        if not bad:
            return line, values
    return None


def shown(value: str) -> str:
    """A bad value as a problem quotes it: in quotes, cut short when long."""
    return repr(value if len(value) <= SHOWN else value[:SHOWN] + "…")


def email_problem(value: str, column: str = "email") -> str | None:
    """Why `value` is not an email address, or None."""
    if too_long := length_problem(value, column, MAX_EMAIL):
        return too_long
    return None if EMAIL.match(value) else f"{column} {shown(value)} is not an email address"


def plain_email(value: str) -> bool:
    """True when `value` is an email no check refuses (no problem, control character or space
    to strip): a quick test that the usual value passes (None of `email_problem`)."""
    return len(value) <= MAX_EMAIL and PLAIN_EMAIL.fullmatch(value) is not None


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
