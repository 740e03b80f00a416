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
