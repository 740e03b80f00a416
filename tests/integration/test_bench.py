"""Each part of the benchmark suite at its small size, on the database under test (SQLite, or
PostgreSQL when configured): its correctness checks hold and it reports its figures. The
figures themselves are not judged: benchmarks are not timed tests."""

from __future__ import annotations

import importlib

import pytest

from bench.suite import Size
from tests.database import POSTGRES_URL

LABEL = "PostgreSQL" if POSTGRES_URL else "SQLite"
# Figures each part must report, for the database under test.
EXPECTED = {
    "ack": [
        f"Approve p99 at 20/s ({LABEL})",
        f"saturation, closed loop ({LABEL})",
        f"serving RSS, idle ({LABEL})",
        f"job backlog after 20/s ({LABEL})",
    ],
    "scan": [f"{LABEL}: idle scan", f"{LABEL}: digest build"],
    "ingest": [f"{LABEL} {kind}: first run" for kind in ("usage", "seats", "people", "sync")],
    "campaign": [
        f"{LABEL}: DMs a second (restart excluded)",
        f"{LABEL}: calls before their Retry-After passed",
    ],
}


@pytest.mark.parametrize("key", list(EXPECTED))
def test_a_part_at_its_small_size_holds_every_check_and_reports_its_figures(key: str) -> None:
    part = importlib.import_module(f"bench.{key}").run(
        Size.SMALL, POSTGRES_URL, sqlite=POSTGRES_URL is None
    )

    assert part.failed_checks == []
    names = {figure.name for figure in part.figures}
    assert set(EXPECTED[key]) <= names
    assert all(figure.value == figure.value for figure in part.figures)  # none is NaN
    other = "SQLite" if POSTGRES_URL else "PostgreSQL"
    assert not any(other in name for name in names)
