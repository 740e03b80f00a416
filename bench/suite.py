"""What every part of the benchmark suite hands back, and how the suite prints and records it.

A part (`bench/ack.py`, `bench/scan.py`, …) is a module with `TITLE` and
`run(size: Size) -> Part`. It generates its own data, measures Seatkeeper and a baseline in the
same run, and returns its figures, each beside its baseline and goal, and its correctness
checks (counts in the database, duplicates): a figure says how fast, a check says whether the
run did what it claims. `python -m bench` runs the parts, prints one table and, at full size,
writes the generated section of `docs/PERFORMANCE.md`.
"""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import statistics
from dataclasses import dataclass, field
from enum import Enum


class Size(Enum):
    """FULL is the size the goals are stated for; SMALL keeps a part working in CI (seconds)."""

    FULL = "full"
    SMALL = "small"


@dataclass(frozen=True)
class Figure:
    """One measured figure, its baseline measured in the same run, and its goal.

    `met` is None for a figure with no goal (reported for context); `note` says, when the goal
    is missed, precisely why and what meeting it would take.
    """

    name: str
    value: float
    unit: str
    baseline: float | None = None
    goal: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Part:
    """A part's outcome: its figures, and the checks that failed (empty when all held)."""

    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def figure(self, name: str, value: float, unit: str, **rest: object) -> Figure:
        """Record a figure and return it."""
        found = Figure(name, value, unit, **rest)  # type: ignore[arg-type]
        self.figures.append(found)
        return found

    def check(self, holds: bool, what: str) -> None:
        """Record `what` as a failed check unless it holds."""
        if not holds:
            self.failed_checks.append(what)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile by nearest rank; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[min(max(rank, 1), len(ordered)) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def number(value: float | None, unit: str = "") -> str:
    """A figure as the table shows it: three significant digits, thousands separated."""
    if value is None:
        return "-"
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".rstrip()


def verdict(figure: Figure) -> str:
    return {None: "", True: "met", False: "MISSED"}[figure.met]


def table(parts: list[Part]) -> list[str]:
    """The suite's figures as Markdown table rows, one table per part."""
    lines: list[str] = []
    for part in parts:
        lines += [f"### {part.title}", ""]
        lines += ["| figure | Seatkeeper | baseline | goal | |", "|---|---:|---:|---|---|"]
        for f in part.figures:
            lines.append(
                f"| {f.name} | {number(f.value, f.unit)} | {number(f.baseline, f.unit)}"
                f" | {f.goal} | {verdict(f)} |"
            )
        lines.append("")
        for f in part.figures:
            if f.note:
                lines.append(f"- {f.name}: {f.note}")
        lines += [f"- {note}" for note in part.notes]
        if part.failed_checks:
            lines += [f"- **check failed**: {what}" for what in part.failed_checks]
        else:
            lines.append("- checks: all held")
        lines.append("")
    return lines


def machine() -> list[str]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            names = [
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            ]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    return [
        f"- machine: {os.cpu_count()} cores ({cpu}){memory}, {platform.system()}",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
    ]
