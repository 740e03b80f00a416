"""The rows the ingest part feeds in, Seatkeeper's runs of them (each in a child process), the
baseline's executemany of the same rows, and a Slack-like writer that waits for the lock."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from sqlalchemy import Engine, bindparam, func, literal_column, select

from bench.bulk import (
    NOW,
    TODAY,
    FixedClock,
    Measured,
    catalog_text,
    chunks,
    config_of,
    fresh_engine,
    in_child,
    insert_rows,
)
from bot.cli.main import main
from bot.passes.sync import SeatSync
from bot.runtime.runner import Runner
from store import tables
from store.db import make_engine, session_factory
from workflows.ports import SeatRecord

APPS = 10
CATALOG = catalog_text(APPS)
BATCH = 2000  # rows per transaction in the baseline (Seatkeeper's own batch size)
HEADERS = {
    "usage": "app,email,last_active_on",
    "seats": "app,tier,email,assigned_on,last_active_on",
    "people": "email,name,slack_user_id,manager_email,department,active",
}
HELD = ("active", "releasing")
USED = TODAY - dt.timedelta(days=1)
ASSIGNED = TODAY - dt.timedelta(days=90)


@dataclass(frozen=True)
class Rows:
    """`count` rows of one kind: usage, seats, people or sync."""

    kind: str
    count: int

    def values(self) -> Iterator[tuple[str, ...]]:
        """Each row as the CSV file has it."""
        for n in range(self.count):
            email = f"p{n:07d}@bench.test"
            if self.kind == "people":
                manager = f"p{n // 10:07d}@bench.test" if n else ""
                active = "false" if n % 1000 == 1 else "true"
                yield email, f"Person {n}", f"U{n:09d}", manager, f"Dept {n % 40}", active
            elif self.kind == "usage":
                yield f"a{n % APPS:03d}", email, USED.isoformat()
            else:
                yield f"a{n % APPS:03d}", "std", email, ASSIGNED.isoformat(), USED.isoformat()


def write_file(folder: Path, rows: Rows) -> Path:
    file = folder / f"{rows.kind}.csv"
    if rows.kind in HEADERS:
        with file.open("w", encoding="utf-8") as out:
            out.write(HEADERS[rows.kind] + "\n")
            for batch in chunks(rows.values(), 10_000):
                out.write("".join(",".join(row) + "\n" for row in batch))
    return file


def usage_seats(engine: Engine, count: int) -> None:
    """The seats a usage file's rows land on, last used long ago."""
    insert_rows(engine, tables.seats, (_seat(row, TODAY - dt.timedelta(days=200)) for row in
                                       Rows("seats", count).values()))  # fmt: skip


def sync_people(engine: Engine, count: int) -> None:
    """The directory's people, already stored, as a sync with the directory loaded sees it."""
    insert_rows(engine, tables.people, (_person(row) for row in Rows("people", count).values()))


def _seat(row: tuple[str, ...], used: dt.date) -> dict[str, Any]:
    app, tier, email = row[:3]
    return {"app_key": app, "tier_key": tier, "email": email, "status": "active",
            "assigned_on": ASSIGNED, "last_active_on": used, "recorded_at": NOW}  # fmt: skip


def _person(row: tuple[str, ...]) -> dict[str, Any]:
    email, name, slack, manager, department, active = row
    return {"email": email, "name": name, "slack_user_id": slack, "active": active == "true",
            "manager_email": manager or None, "department": department}  # fmt: skip


def stored(url: str, kind: str) -> int:
    """Rows of `kind` the database holds (usage: seats carrying the file's date)."""
    engine = make_engine(url)
    s = tables.seats.c
    query = {
        "people": select(func.count()).select_from(tables.people),
        "usage": select(func.count()).where(s.last_active_on == USED),
        "seats": select(func.count()).where(s.status.in_(HELD)),
        "sync": select(func.count()).where(s.status.in_(HELD), s.app_key == "a000"),
    }[kind]
    try:
        with engine.connect() as connection:
            return int(connection.scalar(query) or 0)
    finally:
        engine.dispose()


def run_import(url: str, folder: Path, file: Path, kind: str, fresh: bool) -> Measured:
    measured = in_child(_cli_import, url, str(folder), str(file), kind, fresh=fresh)
    return Measured(stored(url, kind), measured.seconds, measured.cpu, measured.peak_mb)


def _cli_import(url: str, folder: str, file: str, kind: str) -> int:
    """(In the child.) `seatkeeper import KIND FILE`, as an operator runs it."""
    config = Path(folder) / "seatkeeper.yml"
    config.write_text(CATALOG, encoding="utf-8")
    env = {"SEATKEEPER_DATABASE_URL": url, "SEATKEEPER_CONFIG": str(config)}
    with mock.patch.dict(os.environ, env), contextlib.redirect_stdout(io.StringIO()):
        code = main(["import", kind, file])
    if code:
        raise RuntimeError(f"seatkeeper import {kind} failed ({code})")
    return code


def run_sync(url: str, count: int, fresh: bool) -> Measured:
    measured = in_child(_sync, url, count, fresh=fresh)
    return Measured(stored(url, "sync"), measured.seconds, measured.cpu, measured.peak_mb)


@dataclass(frozen=True)
class FakeVendor:
    """A vendor whose listing is `count` seats on tier std, each used yesterday."""

    count: int
    manual: bool = False
    billed_to_cycle_end: bool = False

    def list_seats(self) -> list[SeatRecord]:
        return [
            SeatRecord(f"p{n:07d}@bench.test", "std", ASSIGNED, USED, activity="last sign-in")
            for n in range(self.count)
        ]


def _sync(url: str, count: int) -> int:
    """(In the child.) One seat sync of app a000, its vendor listing `count` seats."""
    engine = make_engine(url)
    try:
        runner = Runner(session_factory(engine), config_of(catalog_text(1)), FixedClock())
        sync = SeatSync(runner, engine, {"a000": FakeVendor(count)}, None)  # type: ignore[dict-item]
        report = sync.run(accept_removals=True)
    finally:
        engine.dispose()
    return sum(len(d.found) for d in report.apps)


def baseline_seconds(url: str, rows: Rows) -> float:
    """Seconds Core executemany takes to write the same rows into the database at `url`
    (fresh, with the same schema and catalog)."""
    engine = fresh_engine(url, config_of(CATALOG))
    try:
        if rows.kind == "usage":
            usage_seats(engine, rows.count)
        return _written(engine, rows)
    finally:
        engine.dispose()


def _written(engine: Engine, rows: Rows) -> float:
    if rows.kind == "usage":
        s = tables.seats.c
        # Each seat found by (email, app) in the index of held seats, whose condition SQLite
        # can only match with the statuses written out: with app_key = ? alone it picks a
        # per-app index and reads every seat of the app for each row.
        held = s.status.in_([literal_column(f"'{status}'") for status in HELD])
        statement: Any = (
            tables.seats.update()
            .where(s.app_key == bindparam("app"), s.email == bindparam("mail"), held)
            .values(last_active_on=bindparam("day"))
        )
        shaped: Any = ({"app": a, "mail": e, "day": USED} for a, e, _ in rows.values())
    elif rows.kind == "people":
        statement, shaped = tables.people.insert(), (_person(r) for r in rows.values())
    else:
        source = Rows("seats", rows.count).values()
        statement, shaped = tables.seats.insert(), (_seat(r, USED) for r in source)
    started = time.perf_counter()
    for batch in chunks(shaped, BATCH):
        with engine.begin() as connection:
            connection.execute(statement, batch)
    return time.perf_counter() - started


@dataclass(frozen=True)
class Watched:
    measured: Measured
    longest: float  # seconds the longest Slack-like write waited
    writes: int


def lock_waits(url: str, work: Callable[[], Measured]) -> Watched:
    """`work()` while this process writes a row into `url` every quarter second, as Slack would."""
    from concurrent.futures import ThreadPoolExecutor

    path = url.removeprefix("sqlite:///")
    waits: list[float] = []
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(work)
        while not running.done():
            waits.append(_one_write(path, len(waits)))
            time.sleep(0.25)
        measured = running.result()
    return Watched(measured, max(waits, default=0.0), len(waits))


def _one_write(path: str, n: int) -> float:
    connection = sqlite3.connect(path, timeout=600, isolation_level=None)
    started = time.perf_counter()
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute(
            "INSERT INTO slack_deliveries (key, received_at) VALUES (?, ?)",
            (f"bench:{n}:{time.time_ns()}", NOW.isoformat()),
        )
        connection.execute("COMMIT")
        return time.perf_counter() - started
    finally:
        connection.close()
