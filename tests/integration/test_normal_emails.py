"""The upgrade that makes stored emails normal, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from store.db import make_engine
from store.migrate import is_current, upgrade
from tests.database import POSTGRES_URL

BEFORE = "0005"


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A private database at the schema before emails were made normal, with one app."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield from _at_revision_before(engine)
        return
    if not POSTGRES_URL:
        pytest.skip("needs SEATKEEPER_TEST_DATABASE_URL")
    name = f"sk_emails_{secrets.token_hex(4)}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(POSTGRES_URL).set(database=name)
        yield from _at_revision_before(make_engine(url.render_as_string(hide_password=False)))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _at_revision_before(engine: Engine) -> Iterator[Engine]:
    upgrade(engine, BEFORE)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO apps (key, name, connector_type, retired) VALUES (:k, :n, :c, :r)"),
            {"k": "miro", "n": "Miro", "c": "manual", "r": False},
        )
    try:
        yield engine
    finally:
        engine.dispose()


def add_person(engine: Engine, email: str, manager: str | None = None) -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO people (email, name, manager_email, department, active, in_directory)"
                " VALUES (:email, '', :manager, '', :yes, :yes)"
            ),
            {"email": email, "manager": manager, "yes": True},
        )


def add_seat(engine: Engine, email: str, status: str = "active") -> None:
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO seats (app_key, tier_key, email, status)"
                " VALUES ('miro', 'standard', :email, :status)"
            ),
            {"email": email, "status": status},
        )


def column(engine: Engine, sql: str) -> list[object]:
    with engine.connect() as connection:
        return sorted(connection.execute(text(sql)).scalars(), key=str)


def test_the_upgrade_lowercases_stored_emails_and_indexes_seats_by_email(
    old_database: Engine,
) -> None:
    add_person(old_database, " Ann@Acme.TEST", manager="Boss@Acme.test")
    add_person(old_database, "bob@acme.test")
    add_seat(old_database, "ANN@acme.test")
    add_seat(old_database, "Ann@acme.test", status="revoked")  # an old seat may repeat

    upgrade(old_database)

    assert is_current(old_database)
    assert column(old_database, "SELECT email FROM people") == ["ann@acme.test", "bob@acme.test"]
    assert column(old_database, "SELECT manager_email FROM people") == [None, "boss@acme.test"]
    assert column(old_database, "SELECT email FROM seats") == ["ann@acme.test"] * 2
    indexes = {index["name"] for index in inspect(old_database).get_indexes("seats")}
    assert "ix_seats_email" in indexes


def test_two_people_whose_emails_differ_only_in_case_stop_the_upgrade_and_change_nothing(
    old_database: Engine,
) -> None:
    add_person(old_database, "Ann@acme.test")
    add_person(old_database, "ann@acme.test")
    add_person(old_database, "Bob@acme.test")

    with pytest.raises(
        SQLAlchemyError, match=r"differ only in case \(Ann@acme.test, ann@acme.test\)"
    ):
        upgrade(old_database)

    assert not is_current(old_database)
    assert column(old_database, "SELECT email FROM people") == [
        "Ann@acme.test",
        "Bob@acme.test",
        "ann@acme.test",
    ]


def test_two_held_seats_whose_emails_differ_only_in_case_stop_the_upgrade(
    old_database: Engine,
) -> None:
    add_seat(old_database, "Ann@acme.test")
    add_seat(old_database, "ann@acme.test")

    with pytest.raises(
        SQLAlchemyError, match="held seats on one app whose emails differ only in case"
    ):
        upgrade(old_database)

    assert column(old_database, "SELECT email FROM seats") == ["Ann@acme.test", "ann@acme.test"]
