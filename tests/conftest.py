"""Shared fixtures: a fresh database per test and, for scenarios, a whole running app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.database import fresh_database_url
from tests.fakes.scim_server import scim_server_fixture  # noqa: F401
from tests.scenario.world import World, running_world


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """An empty, migrated database (SQLite, or PostgreSQL when configured)."""
    return fresh_database_url(tmp_path)


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    """Seatkeeper running against a fake Slack, a real SCIM server and a fake clock."""
    with running_world(database_url) as running:
        yield running


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests",
        action="store_true",
        help="run only the tests that use the database under test (for a second run of the"
        " suite on PostgreSQL: the others do not depend on the database engine)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests"):
        return
    chosen, other = [], []
    for item in items:
        (chosen if _uses_the_database(item) else other).append(item)
    if other:
        config.hook.pytest_deselected(items=other)
        items[:] = chosen


def _uses_the_database(item: pytest.Item) -> bool:
    """A test that asks for the database fixture, or whose module makes its own databases."""
    if "database_url" in getattr(item, "fixturenames", ()):
        return True
    module = getattr(item, "module", None)
    return any(hasattr(module, name) for name in ("fresh_database_url", "POSTGRES_URL"))
