"""The engine's pool and connection listeners run cleanly on the installed SQLAlchemy."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text

from store.db import make_engine


def test_a_connection_goes_back_to_the_pool_without_an_error_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'events.db'}")
    try:
        with caplog.at_level(logging.WARNING, logger="sqlalchemy"):
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            with engine.begin() as connection:
                connection.execute(text("SELECT 1"))
    finally:
        engine.dispose()

    # A listener whose signature SQLAlchemy no longer takes fails at each reset, and the pool
    # only logs that ("Exception during reset or similar").
    assert [record.getMessage() for record in caplog.records] == []
