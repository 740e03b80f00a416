"""Idle scan and digest over a large estate: 1,000,000 seats, 100,000 people, 500 apps.

What runs, on SQLite (and PostgreSQL when given), on data written with Core batched inserts:

- idle scan: every app's seats the reclaim pass would ask keep or release about, selected as
  the pass selects them (`workflows.reclaim.idle_seats`); the answer is those seats.
- reclaim pass: `seatkeeper run reclaim --dry-run` (`Reclaim.run`, every app in its own
  rolled-back transaction), which also opens each question: it must ask the same seats.
- digest: the digest as `seatkeeper digest` builds it (`DigestPass.rehearse`); its answer is
  each app's assigned and active seats.
- baseline: one SQL query per answer over the same tables, computing the same answer.

At full size Seatkeeper's side runs in a process of its own (its peak RSS is its own). The
answers must equal the baseline's; one seat in 500 is idle, 1 person in 10,000 has left.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bench.bulk import (
    NOW,
    TODAY,
    FixedClock,
    Measured,
    catalog_text,
    config_of,
    fresh_engine,
    in_child,
    insert_rows,
    judged,
    timed,
)
from bench.suite import Part, Size
from bot.passes.digest import DigestPass
from bot.passes.reclaim import Reclaim
from bot.runtime.runner import Runner
from store import tables
from store.db import make_engine, session_factory
from workflows.reclaim import idle_seats

TITLE = "Idle scan and digest"
SIZES = {Size.FULL: (1_000_000, 100_000, 500), Size.SMALL: (10_000, 2_000, 5)}
IDLE_DAYS, NEW_SEAT_DAYS = 30, 14  # the default reclaim policy
GOAL_RATIO, GOAL_MB = 2.0, 300.0
# Why a figure misses its goal, where it does.
WHY = {
    "scan": "both read the candidates through the last-use index, but the selection loads each"
    " one and its holder as objects and holds it to its app's policy, in a fresh process",
    "digest": "the digest also reads cases, requests and tasks beside the seat counts",
}
Answer = Any

IDLE_SQL = """
SELECT s.app_key, s.email FROM seats s LEFT JOIN people p ON p.email = s.email
WHERE s.status = 'active' AND s.last_active_on < :since
  AND (p.active IS NULL OR p.active) AND (s.assigned_on IS NULL OR s.assigned_on <= :grown)
  AND (s.snoozed_until IS NULL OR s.snoozed_until <= :now)
  AND (s.end_date IS NULL OR s.end_date > :soon)
  AND NOT EXISTS (SELECT 1 FROM reclaim_cases c WHERE c.seat_id = s.id
                  AND c.status IN ('scheduled', 'prompted', 'reminded', 'in_review'))
"""
FIGURES_SQL = """
SELECT app_key, count(*), sum(CASE WHEN last_active_on >= :since THEN 1 ELSE 0 END)
FROM seats WHERE status IN ('active', 'releasing') GROUP BY app_key
"""


def people(count: int) -> Iterator[dict[str, Any]]:
    for n in range(count):
        yield {
            "email": f"p{n:06d}@bench.test",
            "name": f"Person {n}",
            "slack_user_id": f"U{n:09d}",
            "department": f"Dept {n % 40}",
            "active": n % 10_000 != 1,
            "in_directory": True,
        }


def seats(count: int, persons: int, apps: int) -> Iterator[dict[str, Any]]:
    """`count` seats over `apps` apps; one in 500 idle, the rest used within four weeks."""
    per_app = count // apps
    for n in range(count):
        app, i = divmod(n, per_app)
        person = (app * 197 + i) % persons
        quiet = 60 if i % 500 == 7 else (n * 7919) % 28
        yield {
            "app_key": f"a{app:03d}",
            "tier_key": "std",
            "email": f"p{person:06d}@bench.test",
            "slack_user_id": f"U{person:09d}",
            "status": "active",
            "assigned_on": TODAY - dt.timedelta(days=400),
            "last_active_on": TODAY - dt.timedelta(days=quiet),
            "recorded_at": NOW - dt.timedelta(days=400),
        }


def fill(url: str, size: Size) -> Engine:
    count, persons, apps = SIZES[size]
    engine = fresh_engine(url, config_of(catalog_text(apps)))
    insert_rows(engine, tables.people, people(persons))
    insert_rows(engine, tables.seats, seats(count, persons, apps))
    return engine


def seatkeeper(url: str, apps: int) -> dict[str, Any]:
    """(In the child.) The dry-run reclaim pass's questions and the digest's figures."""
    config = config_of(catalog_text(apps))
    engine = make_engine(url)
    try:
        runner = Runner(session_factory(engine), config, FixedClock())
        idle, scan = timed(lambda: _idle(runner))
        digest, build = timed(DigestPass(runner).rehearse)
        report, rehearsed = timed(lambda: Reclaim(runner).run(dry_run=True))
    finally:
        engine.dispose()
    asked = sorted((line.app_key, line.email) for line in report.lines if line.action == "prompt")
    figures = {a.app_key: (a.assigned, a.active) for a in digest.apps if a.assigned}
    return {"idle": idle, "asked": asked, "figures": figures, "scan": scan, "digest": build,
            "pass": rehearsed}  # fmt: skip


def _idle(runner: Runner) -> list[tuple[str, str]]:
    """Every app's seats the reclaim pass would ask about now, as it selects them."""
    with runner.uow() as uow:
        seats = idle_seats(runner.config.apps, uow=uow, config=runner.config, clock=runner.clock)
        return sorted((seat.app_key, seat.email) for seat in seats)


def baseline(engine: Engine) -> dict[str, Any]:
    since = TODAY - dt.timedelta(days=IDLE_DAYS)
    values = {
        "since": since,
        "grown": TODAY - dt.timedelta(days=NEW_SEAT_DAYS),
        "now": NOW,
        "soon": TODAY + dt.timedelta(days=3),
    }
    with engine.connect() as connection:
        idle, scan = timed(lambda: connection.execute(text(IDLE_SQL), values).all())
        rows, build = timed(lambda: connection.execute(text(FIGURES_SQL), {"since": since}).all())
    figures = {app: (int(assigned), int(active)) for app, assigned, active in rows}
    return {"idle": sorted(tuple(r) for r in idle), "figures": figures, "scan": scan,
            "digest": build}  # fmt: skip


def measure(part: Part, url: str, label: str, size: Size) -> None:
    engine = fill(url, size)
    try:
        ours = in_child(seatkeeper, url, SIZES[size][2], fresh=size is Size.FULL)
        floor = baseline(engine)
    finally:
        engine.dispose()
    report(part, label, ours, floor)


def report(part: Part, label: str, ours: Measured, floor: dict[str, Any]) -> None:
    got = ours.result
    part.check(got["idle"] == floor["idle"], f"{label}: the idle scan asks the seats SQL finds")
    part.check(bool(got["idle"]), f"{label}: the idle scan finds idle seats")
    part.check(got["asked"] == floor["idle"], f"{label}: the dry-run pass asks the same seats")
    part.check(got["figures"] == floor["figures"], f"{label}: digest figures equal SQL's")
    for key, what in (("scan", "idle scan"), ("digest", "digest build")):
        ratio = got[key] / floor[key] if floor[key] else float("inf")
        missed = f"{ratio:.0f}x the SQL aggregate's time: {WHY[key]}"
        judged(
            part, f"{label}: {what}", got[key], "s", baseline=floor[key], met=ratio <= GOAL_RATIO,
            goal=f"<= {GOAL_RATIO:g}x baseline", missed=missed,
        )  # fmt: skip
    judged(
        part, f"{label}: peak RSS (scan + digest)", ours.peak_mb, "MB", met=ours.peak_mb <= GOAL_MB,
        goal=f"<= {GOAL_MB:g} MB", missed="every held seat loaded as an object",
    )  # fmt: skip
    part.figure(f"{label}: reclaim pass, dry run (asks each idle holder)", got["pass"], "s")
    part.figure(f"{label}: CPU, scan + digest + pass", ours.cpu, "s")


def run(size: Size, pg_url: str | None, *, sqlite: bool = True) -> Part:
    part = Part("scan", TITLE)
    count, persons, apps = SIZES[size]
    part.notes.append(f"{count:,} seats, {persons:,} people, {apps} apps; 1 seat in 500 idle")
    if sqlite:
        with tempfile.TemporaryDirectory(prefix="seatkeeper-bench-") as folder:
            measure(part, f"sqlite:///{Path(folder) / 'scan.db'}", "SQLite", size)
    if pg_url:
        measure(part, pg_url, "PostgreSQL", size)
    return part
