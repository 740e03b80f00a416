"""The campaign benchmark at its small size holds its correctness checks: every holder asked
once across a SIGKILL of the server, and every Retry-After waited out (figures not judged)."""

from __future__ import annotations

from bench import campaign
from bench.suite import Size
from tests.database import POSTGRES_URL


def test_the_small_campaign_asks_every_holder_once_and_honours_every_retry_after() -> None:
    part = campaign.run(Size.SMALL, POSTGRES_URL)

    assert part.failed_checks == []
    names = [figure.name for figure in part.figures]
    assert "SQLite: DMs a second (restart excluded)" in names
    assert "SQLite: calls before their Retry-After passed" in names
    if POSTGRES_URL:
        assert "PostgreSQL: DMs a second (restart excluded)" in names
