"""The ack benchmark at its small size: every click it answers is a decision in the database,
and it reports its figures, on SQLite and (when configured) on PostgreSQL."""

from __future__ import annotations

from bench.ack import run
from bench.suite import Size
from tests.database import POSTGRES_URL


def test_the_ack_benchmark_decides_every_click_it_answers_and_reports_its_figures() -> None:
    part = run(Size.SMALL, POSTGRES_URL)

    assert part.failed_checks == []
    names = {figure.name for figure in part.figures}
    for label in ["SQLite", *(["PostgreSQL"] if POSTGRES_URL else [])]:
        assert f"Approve p99 at 20/s ({label})" in names
        assert f"saturation, closed loop ({label})" in names
        assert f"serving RSS, idle ({label})" in names
        assert f"job backlog after 20/s ({label})" in names
