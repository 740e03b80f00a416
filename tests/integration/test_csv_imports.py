"""CSV imports of hostile files: every problem names the file, line and reason; nothing changes.

The property tests write generated people, seats and usage files (headers, separators, quoting,
encodings and byte order marks, control characters, dates, emails, duplicates, blank lines and
huge fields) and run them through the same import path as `seatkeeper import`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from bot.cli.imports import ImportResult, import_people, import_seats, import_usage
from bot.config.loader import parse_config
from bot.runtime.runner import Runner
from store import tables
from store.catalog import sync_catalog
from store.db import make_engine, session_factory
from store.migrate import upgrade
from tests.database import rows_of
from tests.fakes.clock import FakeClock
from tests.integration.cli_harness import MANUAL_CONFIG
from workflows.imports import SEAT_COLUMNS, USAGE_COLUMNS
from workflows.people import PEOPLE_COLUMNS
from workflows.text import MAX_EMAIL, MAX_NAME, MAX_SLACK_ID

PROPERTIES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@dataclass
class Importer:
    """The import path of `seatkeeper import`, over one database kept across examples."""

    folder: Path
    engine: Engine
    runner: Runner

    def write(self, data: bytes) -> Path:
        path = self.folder / "upload.csv"
        path.write_bytes(data)
        return path

    def people(self, data: bytes) -> tuple[Path, ImportResult]:
        path = self.write(data)
        return path, import_people(path, runner=self.runner, slack=None)

    def seats(self, data: bytes) -> tuple[Path, ImportResult]:
        path = self.write(data)
        return path, import_seats(path, runner=self.runner)

    def usage(self, data: bytes) -> tuple[Path, ImportResult]:
        path = self.write(data)
        return path, import_usage(path, runner=self.runner)

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table."""
        return rows_of(self.engine)


@pytest.fixture
def importer(tmp_path: Path, database_url: str) -> Iterator[Importer]:
    config = parse_config(MANUAL_CONFIG, source="seatkeeper.yml", env={})
    engine = make_engine(database_url)
    upgrade(engine)
    sync_catalog(engine, config)
    try:
        yield Importer(tmp_path, engine, Runner(session_factory(engine), config, FakeClock()))
    finally:
        engine.dispose()


def people_file(*rows: str) -> bytes:
    return ("\n".join([",".join(PEOPLE_COLUMNS), *rows]) + "\n").encode()


def refused_alone(importer: Importer, path: Path, result: ImportResult, before: Any) -> None:
    """The documented answer to a bad file: problems that say where and why, no change."""
    assert result.problems, "a bad file was imported"
    for problem in result.problems:
        assert problem.file == str(path)
        assert problem.line >= 1
        assert problem.reason.strip()
        assert str(problem).startswith(f"{path}:{problem.line}: ")
    assert importer.snapshot() == before


# Regression tests


@pytest.mark.parametrize(
    ("row", "said"),
    [
        pytest.param("ann@acme.com,An\x00n,U0ANN0001,,,true", "name", id="nul-in-name"),
        pytest.param("ann@acme.com,Ann,U0ANN0001,,R\x1bD,true", "department", id="escape"),
        pytest.param("ann@acme.com,Ann,U0ANN0001,b\x00b@acme.com,,true", "manager", id="manager"),
        pytest.param("an\x00n@acme.com,Ann,U0ANN0001,,,true", "email", id="nul-in-email"),
        pytest.param("ann@acme.com,Ann,U0ANN0001,,,tr\x00ue", "active", id="nul-in-active"),
        pytest.param("ann@acme.com,Ann\x85Lee,U0ANN0001,,,true", "name", id="c1-control"),
        pytest.param("ann@acme.com," + "A" * 201 + ",U0ANN0001,,,true", "name", id="long-name"),
        pytest.param("ann@acme.com,Ann,U0ANN0001,," + "D" * 201 + ",true", "department", id="dept"),
        pytest.param("a" * 320 + "@acme.com,Ann,U0ANN0001,,,true", "email", id="long-email"),
        pytest.param("ann@acme.com,Ann,U" + "0" * 40 + ",,,true", "slack_user_id", id="long-id"),
    ],
)
def test_a_people_file_with_text_the_database_cannot_hold_names_the_line_and_imports_nothing(
    importer: Importer, row: str, said: str
) -> None:
    before = importer.snapshot()

    path, result = importer.people(people_file("bob@acme.com,Bob,U0BOB0001,,,true", row))

    refused_alone(importer, path, result, before)
    assert [(p.line, said in p.reason) for p in result.problems] == [(3, True)]


def test_a_people_file_that_is_not_utf8_names_the_line_of_the_first_bad_byte(
    importer: Importer,
) -> None:
    before = importer.snapshot()
    data = people_file("bob@acme.com,Bob,U0BOB0001,,,true").replace(b"Bob", b"Bj\xf6rn")

    path, result = importer.people(data)

    refused_alone(importer, path, result, before)
    assert [p.line for p in result.problems] == [2]
    assert "UTF-8" in result.problems[0].reason


def test_seats_and_usage_files_with_control_characters_name_the_line_and_change_nothing(
    importer: Importer,
) -> None:
    before = importer.snapshot()
    seats = ",".join(SEAT_COLUMNS) + "\nmiro,standard,ann@acme.com,,\nmiro,standard,b\x00@x.io,,\n"
    usage = ",".join(USAGE_COLUMNS) + "\nmiro,ann@acme.com,2026-01-0\x002\n"

    for run, data in ((importer.seats, seats), (importer.usage, usage)):
        path, result = run(data.encode())
        refused_alone(importer, path, result, before)
        assert all("control character" in p.reason for p in result.problems)


def test_the_limits_checked_are_the_widths_the_database_stores() -> None:
    people = tables.people.c

    assert (people.email.type.length, people.manager_email.type.length) == (MAX_EMAIL, MAX_EMAIL)
    assert (people.name.type.length, people.department.type.length) == (MAX_NAME, MAX_NAME)
    assert tables.seats.c.email.type.length == MAX_EMAIL
    assert people.slack_user_id.type.length == MAX_SLACK_ID


def test_a_clean_people_file_still_imports_names_with_accents_emoji_and_zero_width_joiners(
    importer: Importer,
) -> None:
    _, result = importer.people(people_file("zoe@acme.com,Zoë 👩‍💻 Ørsted,U0ZOE0001,,R&D,true"))

    assert result.problems == [] and result.added == 1


# Property tests

TODAY = FakeClock().now().date()
HOSTILE = st.text(
    alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "L", "N", "P"]),
    max_size=12,
)
HUGE = st.sampled_from([201, 321, 1001, 1001, 1001, 140_000]).map(lambda n: "Z" * n)
ODD = {
    "email": ["Ann@ACME.com", " ann@acme.com ", "not-an-email", "a@b", "ann@@acme.com"],
    "date": ["2026-02-30", "02/01/2026", "2026-1-2", "20260102", "2099-01-01", "tomorrow"],
    "slack_user_id": ["u0lower1", "C0CHAN01", "U0ANN0001\n"],
    "name": ["O'Brien, Jr.", '"Quoted"', "Zoë\u200d", "  "],
    "active": ["TRUE", "maybe", "n"],
    "app": ["MIRO", "figma", "miro "],
    "tier": ["premium", "Standard", "pro"],
}
CLEAN = {
    "email": st.builds(
        lambda a, n, d: f"{a}{n}@{d}",
        st.sampled_from(["ann", "bob", "c.d", "e+f"]),
        st.integers(0, 20),
        st.sampled_from(["acme.com", "x.io"]),
    ),
    "date": st.one_of(st.just(""), st.dates(TODAY.replace(year=2020), TODAY).map(str)),
    "day": st.dates(TODAY.replace(year=2020), TODAY).map(str),
    "slack_user_id": st.integers(0, 60).map(lambda n: f"U0P{n:06d}"),
    "name": st.sampled_from(["Ann", "Bob Builder", "Zoë", ""]),
    "active": st.sampled_from(["true", "false", "yes", "no", "1", "0", ""]),
    "app": st.just("miro"),
    "tier": st.just("standard"),
}
ODD["day"] = ODD["date"]
PEOPLE_KINDS = ("email", "name", "slack_user_id", "email", "name", "active")
SEAT_KINDS = ("app", "tier", "email", "date", "date")
USAGE_KINDS = ("app", "email", "day")
KEYS = {PEOPLE_COLUMNS: (0, 2), SEAT_COLUMNS: (2,), USAGE_COLUMNS: ()}  # unique in a clean file


def _value(kind: str, messy: bool) -> st.SearchStrategy[str]:
    """A good value, or (in a messy file) now and then an odd, hostile, huge or blank one."""
    if not messy:
        return CLEAN[kind]
    return st.one_of(
        CLEAN[kind], CLEAN[kind], st.sampled_from(ODD[kind]), HOSTILE, HUGE, st.just("")
    )


@st.composite
def csv_files(draw: st.DrawFn, columns: tuple[str, ...], kinds: tuple[str, ...]) -> bytes:
    """A CSV file as a spreadsheet might write it; a messy one goes wrong in many ways."""
    messy = draw(st.booleans())
    row = st.tuples(*(_value(kind, messy) for kind in kinds)).map(list)
    unique = [] if messy else [lambda r, i=i: r[i] for i in KEYS[columns]]
    rows = draw(st.lists(row, min_size=int(not messy), max_size=6, unique_by=tuple(unique) or None))
    if messy and rows and draw(st.booleans()):
        rows.append(draw(st.sampled_from(rows)))  # a duplicate row
    header = list(columns)
    if messy:
        header = draw(st.sampled_from([header, [c.upper() for c in header], header[:-1]]))
    text = _write(draw, [header, *rows], messy)
    if messy and draw(st.booleans()):
        lines = text.split("\n")
        at = draw(st.integers(0, len(lines)))
        text = "\n".join([*lines[:at], "", *lines[at:]])  # a blank line
    return _encode(draw, text, messy)


def _write(draw: st.DrawFn, rows: list[list[str]], messy: bool) -> str:
    delimiter = draw(st.sampled_from([",", ";", "\t"])) if messy else ","
    ending = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if messy and draw(st.booleans()):
        return ending.join(delimiter.join(r) for r in rows) + ending  # no quoting at all
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=ending, quoting=quoting)
    writer.writerows(rows)
    return out.getvalue()


def _encode(draw: st.DrawFn, text: str, messy: bool) -> bytes:
    choices = ["utf-8", "utf-8-sig", "utf-16", "latin-1"] if messy else ["utf-8", "utf-8-sig"]
    return text.encode(draw(st.sampled_from(choices)), errors="replace")


def _check(importer: Importer, run: Any, data: bytes) -> None:
    before = importer.snapshot()
    path, result = run(data)
    if result.problems:
        refused_alone(importer, path, result, before)


FILES = {
    "people": (PEOPLE_COLUMNS, PEOPLE_KINDS),
    "seats": (SEAT_COLUMNS, SEAT_KINDS),
    "usage": (USAGE_COLUMNS, USAGE_KINDS),
}


@pytest.mark.parametrize("kind", sorted(FILES))
@PROPERTIES
@given(data=st.data())
def test_any_csv_file_is_imported_whole_or_refused_with_line_problems(
    importer: Importer, kind: str, data: st.DataObject
) -> None:
    file = data.draw(csv_files(*FILES[kind]), label=f"{kind} file")
    _check(importer, getattr(importer, kind), file)
