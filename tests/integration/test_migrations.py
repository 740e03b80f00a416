"""Migrations build exactly the schema `store.tables` describes, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from store.db import make_engine
from store.migrate import MIGRATIONS, is_current, upgrade
from store.tables import metadata


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def empty_sqlite(tmp_path: Path) -> Iterator[Engine]:
    """A brand-new SQLite file, whatever database the other tests use."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    yield engine
    engine.dispose()


def schema_differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, metadata)


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_creates_exactly_the_schema_described_by_the_tables_module(engine: Engine) -> None:
    upgrade(engine)

    assert table_names(engine) == set(metadata.tables)
    assert schema_differences(engine) == []


def test_the_comparison_would_notice_a_column_the_migrations_forgot(engine: Engine) -> None:
    upgrade(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE leases ADD COLUMN stray INTEGER")
    try:
        assert [diff[0] for diff in schema_differences(engine)] == ["remove_column"]
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql("ALTER TABLE leases DROP COLUMN stray")


def test_upgrade_twice_is_harmless_and_leaves_the_same_schema(engine: Engine) -> None:
    upgrade(engine)
    upgrade(engine)

    assert is_current(engine)
    assert schema_differences(engine) == []


def test_the_database_is_current_after_upgrade(engine: Engine) -> None:
    upgrade(engine)

    assert is_current(engine) is True


def test_an_empty_database_is_not_current(empty_sqlite: Engine) -> None:
    assert is_current(empty_sqlite) is False


def test_upgrade_on_an_empty_sqlite_file_creates_every_table_and_makes_it_current(
    empty_sqlite: Engine,
) -> None:
    upgrade(empty_sqlite)

    assert table_names(empty_sqlite) == set(metadata.tables)
    assert is_current(empty_sqlite) is True
    assert schema_differences(empty_sqlite) == []


def test_the_partial_unique_indexes_exist_with_their_conditions(engine: Engine) -> None:
    upgrade(engine)

    indexes = {
        index["name"]: index
        for table in ("requests", "seats", "reclaim_cases")
        for index in inspect(engine).get_indexes(table)
    }
    assert indexes["uq_reclaim_cases_one_open"]["unique"]
    assert indexes["uq_reclaim_cases_one_open"]["column_names"] == ["seat_id"]
    assert indexes["uq_requests_one_open"]["unique"]
    assert indexes["uq_seats_one_active"]["unique"]
    assert indexes["uq_seats_one_active"]["column_names"] == ["email", "app_key"]


def test_downgrading_to_nothing_and_upgrading_again_gives_the_same_schema(
    empty_sqlite: Engine,
) -> None:
    upgrade(empty_sqlite)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with empty_sqlite.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")

    assert table_names(empty_sqlite) == set()
    assert is_current(empty_sqlite) is False

    upgrade(empty_sqlite)
    assert is_current(empty_sqlite) is True
    assert schema_differences(empty_sqlite) == []
