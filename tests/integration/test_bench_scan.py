"""The scan part of the benchmark suite runs at its small size and its answers hold."""

from __future__ import annotations

from bench import scan
from bench.suite import Size
from tests.database import POSTGRES_URL


def test_the_scan_part_runs_small_with_every_check_holding_and_every_figure_present() -> None:
    part = scan.run(Size.SMALL, POSTGRES_URL)
    assert part.failed_checks == []
    names = {figure.name for figure in part.figures}
    assert all(figure.value == figure.value for figure in part.figures)  # none is NaN
    assert {name.split(":")[0].split(" ")[0] for name in names} >= {"SQLite"}
    if POSTGRES_URL:
        assert any(name.startswith("PostgreSQL") for name in names)
