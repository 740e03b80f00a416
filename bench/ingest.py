"""Bulk data in: usage, seats and people CSV imports, and a vendor's seats through the sync.

What runs, each on a fresh SQLite file (and PostgreSQL when given):

- `seatkeeper import usage|seats|people FILE.csv` through `bot.cli.main`, as an operator runs
  it, then the same file again (an unchanged re-import). Usage dates land on seats already
  there (written with Core inserts); the people and seats imports start from empty tables.
- the seat sync (`SeatSync.run`, what `seatkeeper run sync` runs) of one app whose vendor lists
  its seats: a connector-level fake (the network is not what is measured) that returns the
  records a real connector would, with the directory's people already stored.
- baseline: the same rows written with Core executemany, a transaction per 2,000 rows — into
  `people` and `seats` for the people, seats and sync rows, and as `UPDATE seats` for usage.

At full size Seatkeeper's side runs in a process of its own, where its peak RSS is measured
(at the small size in this one: a start-up would cost more than the work). On SQLite, while
the first seats import and the first sync run, this process writes one row every quarter
second (as a Slack delivery would) and reports the longest wait for the write lock.
"""

from __future__ import annotations

import functools
import tempfile
from pathlib import Path

from bench.bulk import Measured, config_of, fresh_engine, judged
from bench.ingest_runs import (
    APPS,
    CATALOG,
    Rows,
    baseline_seconds,
    lock_waits,
    run_import,
    run_sync,
    sync_people,
    usage_seats,
    write_file,
)
from bench.suite import Part, Size

TITLE = "Ingest: CSV imports and the seat sync"
# Rows per kind: usage, seats, people, sync (one vendor's seats).
SIZES = {
    Size.FULL: {"usage": 1_000_000, "seats": 50_000, "people": 50_000, "sync": 50_000},
    Size.SMALL: {"usage": 2_000, "seats": 1_000, "people": 1_000, "sync": 1_000},
}
# On PostgreSQL the usage file is shorter: a million rows there take four minutes of the suite
# (each way, and as many again to write the seats it lands on), and the memory it is checked
# for is the importer's, measured on SQLite at a million.
PG_ROWS = {Size.FULL: {"usage": 200_000}}
# Why an unchanged re-import is not much faster than the first, where it is not.
AGAIN_MISSED = {
    "usage": "the file is still read and checked twice (whole first, then to apply) and each"
    " seat's date read, whatever changed; only the writes are saved, and they are under half"
    " of a first run",
    "people": "a first import now costs little more than reading and checking the file and"
    " the directory, which a re-import does as well (only the writes are saved)",
    "seats": "the file is still parsed and checked whole and every held seat read and"
    " compared; only the writes are saved",
}
# Why a first run is slower than half the baseline's executemany.
FIRST_MISSED = {
    "usage": "the file is read and checked in Python twice (whole first, then to apply) and"
    " each seat's date read before the newer ones are written; reading it once would take"
    " staging its rows in the database",
    "seats": "besides the seat, each new seat appends a hash-chained audit event (a second row"
    " and a SHA-256 per seat) that the baseline does not write, and the file is parsed and"
    " checked in Python",
    "people": "each row is parsed and checked in Python, against the file (managers, loops) and"
    " the directory (Slack ids)",
}
FIRST_MISSED["sync"] = (
    "besides the seat, each new seat appends a hash-chained audit event (a second row and a"
    " SHA-256 per seat) that the baseline does not write, and its holder is looked up"
)
GOAL_SHARE, GOAL_MB, GOAL_AGAIN, GOAL_WAIT = 0.5, 300.0, 2.0, 3.0


def measure(part: Part, url: str | None, label: str, size: Size, folder: Path) -> None:
    """Every kind on a fresh database of its own (SQLite files in `folder`, or `url`)."""
    for kind, count in SIZES[size].items():
        if url:
            count = PG_ROWS.get(size, {}).get(kind, count)
        database = url or f"sqlite:///{folder / (kind + '.db')}"
        engine = fresh_engine(database, config_of(CATALOG))
        rows = Rows(kind, count)
        if kind == "usage":
            usage_seats(engine, count)
        if kind == "sync":
            sync_people(engine, count)
        engine.dispose()
        file = write_file(folder, rows)
        watch = url is None and kind in ("seats", "sync")
        fresh = size is Size.FULL
        once = functools.partial(_once, rows, database, folder, file, fresh)
        first = lock_waits(database, once) if watch else None
        ours = first.measured if first else once()
        again = once()
        _check_stored(part, label, kind, ours.result, count)
        floor = baseline_seconds(url or f"sqlite:///{folder / (kind + '-baseline.db')}", rows)
        _figures(part, f"{label} {kind}", count, ours, again, floor)
        if first is not None:
            judged(
                part, f"{label} {kind}: longest wait of a Slack write meanwhile", first.longest,
                "s", met=first.longest <= GOAL_WAIT, goal=f"<= {GOAL_WAIT:g} s",
                missed="one transaction held the lock this long: after the new seats are added in"
                " batches, the whole listing is reconciled in one (every held seat read as a"
                " plain row and compared); meeting it would take that step in batches too",
            )  # fmt: skip
            part.check(first.writes > 0, f"{label}: a Slack write got through during the import")


def _once(rows: Rows, database: str, folder: Path, file: Path, fresh: bool) -> Measured:
    if rows.kind == "sync":
        return run_sync(database, rows.count, fresh)
    return run_import(database, folder, file, rows.kind, fresh)


def _check_stored(part: Part, label: str, kind: str, stored: int, count: int) -> None:
    part.check(stored == count, f"{label} {kind}: stored {stored} of {count} rows")


def _figures(
    part: Part, label: str, count: int, ours: Measured, again: Measured, floor: float
) -> None:
    rate, floor_rate = count / ours.seconds, count / floor
    share, faster = rate / floor_rate, ours.seconds / again.seconds
    why = FIRST_MISSED.get(label.split()[-1], "")
    peak = max(ours.peak_mb, again.peak_mb)
    judged(
        part, f"{label}: first run", rate, "rows/s", baseline=floor_rate, met=share >= GOAL_SHARE,
        goal=f">= {GOAL_SHARE:g}x baseline", missed=f"{share:.2f}x the baseline: {why}",
    )  # fmt: skip
    judged(
        part, f"{label}: unchanged again, times faster", faster, "x", met=faster >= GOAL_AGAIN,
        goal=f">= {GOAL_AGAIN:g}x", missed=AGAIN_MISSED.get(label.split()[-1], ""),
    )  # fmt: skip
    judged(
        part, f"{label}: peak RSS", peak, "MB", met=peak <= GOAL_MB, goal=f"<= {GOAL_MB:g} MB",
        missed="the whole file and its objects in memory",
    )  # fmt: skip
    part.figure(f"{label}: CPU, first run", ours.cpu, "s")


def run(size: Size, pg_url: str | None, *, sqlite: bool = True) -> Part:
    part = Part("ingest", TITLE)
    counts = ", ".join(f"{kind} {n:,}" for kind, n in SIZES[size].items())
    fewer = ", ".join(f"{kind} {n:,}" for kind, n in PG_ROWS.get(size, {}).items())
    part.notes.append(
        f"rows: {counts}; {APPS} apps" + (f" (on PostgreSQL {fewer})" if fewer else "")
    )
    with tempfile.TemporaryDirectory(prefix="seatkeeper-bench-") as name:
        if sqlite:
            measure(part, None, "SQLite", size, Path(name))
        if pg_url:
            measure(part, pg_url, "PostgreSQL", size, Path(name))
    return part
