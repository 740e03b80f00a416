"""What the bulk-data parts (`scan`, `ingest`) share: a catalog of many apps, databases filled
fast with Core batched inserts, a fixed clock, and Seatkeeper's side run in a child process.

Seatkeeper's side runs in a fresh (spawned) interpreter so that its peak resident memory is its
own, not the generator's or the baseline's; CPU seconds are measured there too, as contention
from other work on the machine distorts them less than wall time.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import operator
import resource
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Engine, Table, text

from bench.suite import Part
from store.catalog import sync_catalog
from store.db import make_engine
from store.many import bound, bound_names, execute_values
from store.migrate import upgrade
from store.tables import metadata
from workflows.catalog import Config

NOW = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
INSERT_BATCH = 10_000
T = TypeVar("T")


@dataclass(frozen=True)
class FixedClock:
    """The moment every bench run happens at, so answers can be compared."""

    at: dt.datetime = NOW

    def now(self) -> dt.datetime:
        return self.at


def catalog_text(apps: int, *, connector: str = "manual") -> str:
    """A config with `apps` apps (a000, a001, …) of one paid tier each."""
    lines = ["slack: {it_channel: C0BENCH01}", "admins: [U0BENCH00]", "apps:"]
    for n in range(apps):
        lines += [
            f"  - key: a{n:03d}",
            f"    name: App {n}",
            f"    connector: {{type: {connector}}}",
            "    tiers: [{key: std, name: Standard, monthly_price: 10}]",
        ]
    return "\n".join(lines) + "\n"


def config_of(text_: str) -> Config:
    from bot.config.loader import parse_config

    return parse_config(text_, source="bench.yml", env={}, secrets=False)


def fresh_engine(url: str, config: Config) -> Engine:
    """An engine on `url` with the current schema, the catalog and no other rows."""
    engine = make_engine(url)
    upgrade(engine)
    if engine.dialect.name == "postgresql":
        names = ", ".join(table.name for table in metadata.sorted_tables)
        with engine.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    sync_catalog(engine, config)
    return engine


def insert_rows(engine: Engine, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    """Rows (each with the same keys) written the fastest way Seatkeeper has
    (`store.many`: arrays on PostgreSQL), a transaction per batch: a part's data, not what
    it measures."""
    statement: Any = None
    for batch in chunks(rows, INSERT_BATCH):
        names = tuple(batch[0])
        if statement is None:
            statement = table.insert().values(bound(names))
        pick = operator.itemgetter(*names)
        values = [pick(row) if len(names) > 1 else (pick(row),) for row in batch]
        with engine.begin() as connection:
            execute_values(connection, statement, bound_names(names), values)
    if engine.dialect.name == "postgresql":
        # As Seatkeeper's own bulk writes do: a part measured right after would otherwise be
        # planned against an empty table's statistics (autovacuum gets to it a minute later,
        # or later still when busy after another part).
        with engine.begin() as connection:
            connection.execute(text(f"ANALYZE {table.name}"))


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True)
class Measured:
    """What a child process returned, how long it took and its peak resident memory."""

    result: Any
    seconds: float
    cpu: float
    peak_mb: float


def in_child(work: Callable[..., Any], *args: Any, fresh: bool = True) -> Measured:
    """`work(*args)` in a fresh interpreter (`work` and its result must pickle), or with
    `fresh=False` in this process (the small size: a start-up costs more than its work)."""
    if not fresh:
        return _measured(work, args)
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_measured, (work, args))  # type: ignore[no-any-return]


def _measured(work: Callable[..., Any], args: Sequence[Any]) -> Measured:
    started, cpu = time.perf_counter(), time.process_time()
    result = work(*args)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return Measured(result, seconds, cpu, peak)


def timed(work: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def judged(
    part: Part,
    name: str,
    value: float,
    unit: str,
    *,
    met: bool,
    goal: str,
    missed: str,
    **rest: Any,
) -> None:
    """A figure with a goal; `missed` is its note when the goal is not met."""
    part.figure(name, value, unit, goal=goal, met=met, note="" if met else missed, **rest)
