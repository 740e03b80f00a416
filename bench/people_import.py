"""Benchmark: how fast does `seatkeeper import people` load a large directory on SQLite?

Usage (from the project root; the default 100,000 rows take about half a minute on 2 cores):

    .venv/bin/python -m bench.people_import [--rows N]

    --rows N   people in the file (default 100000, at most 1000000)

What runs, in one process, each on a fresh SQLite file in a temporary folder:

- import:    `seatkeeper import people FILE.csv` through `bot.cli.main`, as an operator runs
             it: the file is read and every line checked, Slack ids are checked against the
             directory, then the people are written in batches of `bot.batches.BATCH`, each
             its own transaction, the write lock left free `store.db.writer_gap` seconds
             after each second of writing so that Slack deliveries get it. Every row has a
             Slack id (no Slack lookups).
- re-import: the same command and file again: everyone exists and nothing changed, which is
             what a scheduled directory sync mostly sees.
- baseline:  the same rows, already in memory, inserted into the same `people` table (schema
             from the migrations) with `sqlite3` `executemany`, one transaction per batch of
             the same size, no checks and no pauses: the floor any import could reach.

Reported: wall time and rows/s of each, the import's rows/s as a share of the baseline's, and
about how much of the import's time is the deliberate pause between batches.

Bounded: a fixed number of rows, no network, temporary files only. The exit status is always
0: this reports (including a run that did not store exactly the file's people), it does not
assert.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from bot.cli.main import main as seatkeeper
from bot.runtime.batches import BATCH
from store.db import SQLITE_WRITER_GAP, make_engine
from store.migrate import upgrade

HEADER = "email,name,slack_user_id,manager_email,department,active"
CONFIG = """\
slack: {it_channel: C0BENCH01}
admins: [U0BENCH00]
apps:
  - key: miro
    name: Miro
    connector: {type: manual}
    tiers: [{key: standard, name: Standard, monthly_price: 10}]
"""
MAX_ROWS = 1_000_000
Row = tuple[str, str, str, str, str, bool]


def rows(count: int) -> list[Row]:
    """`count` distinct people, each with a Slack id, a manager and a department."""
    return [
        (f"p{n:07d}@bench.test", f"Person {n}", f"U{n:09d}", _manager(n), f"Dept {n % 40}",
         n % 50 != 0)
        for n in range(count)
    ]  # fmt: skip


def _manager(n: int) -> str:
    """A tree: person 0 leads, and each person manages the next ten (nobody manages themself)."""
    return f"p{n // 10:07d}@bench.test" if n else ""


def write_csv(path: Path, people: list[Row]) -> None:
    lines = [HEADER] + [",".join([*row[:5], "true" if row[5] else "false"]) for row in people]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def count_people(database: Path) -> int:
    connection = sqlite3.connect(database)
    try:
        return connection.execute("SELECT count(*) FROM people").fetchone()[0]
    finally:
        connection.close()


def run_import(folder: Path, database: Path, file: Path) -> tuple[float, str]:
    """Seconds `seatkeeper import people FILE` took, and the line it printed."""
    os.environ["SEATKEEPER_DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["SEATKEEPER_CONFIG"] = str(folder / "seatkeeper.yml")
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = seatkeeper(["import", "people", str(file)])
    seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"the import failed (exit {code})")
    return seconds, out.getvalue().strip()


def run_baseline(database: Path, people: list[Row]) -> float:
    """Seconds a bare batched executemany of the same rows into the same table took."""
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    engine.dispose()
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    insert = (
        "INSERT INTO people (email, name, slack_user_id, manager_email, department, active,"
        " in_directory) VALUES (?, ?, ?, ?, ?, ?, 0)"
    )
    started = time.perf_counter()
    for start in range(0, len(people), BATCH):
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(insert, people[start : start + BATCH])
        connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def report(count: int, imported: float, again: float, baseline: float, summary: str) -> None:
    pauses = int(imported) * SQLITE_WRITER_GAP  # one a second of writing, at most
    print(f"people import, {count} rows, SQLite, batches of {BATCH}")
    print(f"{'run':<10} {'seconds':>8} {'rows/s':>10}")
    for name, seconds in (("import", imported), ("re-import", again), ("baseline", baseline)):
        print(f"{name:<10} {seconds:>8.2f} {count / seconds:>10.0f}")
    print(f"import rows/s as a share of the baseline's: {baseline / imported:.3f}")
    print(f"re-import rows/s as a share of the baseline's: {baseline / again:.3f}")
    print(f"of the import's time, about {pauses:.1f} s are pauses leaving the lock to others")
    print(f"the import said: {summary}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.people_import",
        description="Rows per second of `seatkeeper import people` against a bare executemany.",
    )
    parser.add_argument("--rows", type=int, default=100_000, help="people in the file")
    args = parser.parse_args(argv)
    if not 1 <= args.rows <= MAX_ROWS:
        parser.error(f"--rows must be between 1 and {MAX_ROWS}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    people = rows(args.rows)
    with tempfile.TemporaryDirectory(prefix="seatkeeper-bench-") as workdir:
        folder = Path(workdir)
        (folder / "seatkeeper.yml").write_text(CONFIG, encoding="utf-8")
        file = folder / "people.csv"
        write_csv(file, people)
        imported, summary = run_import(folder, folder / "import.db", file)
        again, _ = run_import(folder, folder / "import.db", file)
        baseline = run_baseline(folder / "baseline.db", people)
        stored = count_people(folder / "import.db"), count_people(folder / "baseline.db")
    report(args.rows, imported, again, baseline, summary)
    if stored != (args.rows, args.rows):
        print(f"MISMATCH: stored {stored[0]} (import) and {stored[1]} (baseline) people")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
