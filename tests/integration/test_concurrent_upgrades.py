"""Replicas that start together each run `seatkeeper db upgrade`, and every one succeeds."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from store.db import make_engine
from store.migrate import is_current
from tests.database import POSTGRES_URL

ROUNDS = 4
REPLICAS = 2
# Each process does its slow imports first and then waits for a line on stdin, so the
# upgrades start together instead of a Python start-up apart.
UPGRADE_ON_CUE = """\
import sys
import store.migrate
from bot.cli.main import main
sys.stdin.readline()
sys.exit(main(["db", "upgrade"]))
"""


def upgrade_together(database_url: str, folder: Path) -> list[tuple[int, str]]:
    """Start `db upgrade` in REPLICAS processes at once; each one's exit code and stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEATKEEPER_", "SLACK_"))}
    env |= {"SEATKEEPER_DATABASE_URL": database_url}
    (folder / "seatkeeper.yml").write_text("admins: [U0ADMIN01]\n")
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", UPGRADE_ON_CUE],
            cwd=folder,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(REPLICAS)
    ]
    for process in processes:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    errors = [process.communicate(timeout=120)[1] for process in processes]
    return [(process.returncode, error) for process, error in zip(processes, errors, strict=True)]


def assert_current(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert is_current(engine)
    finally:
        engine.dispose()


@contextmanager
def private_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database of its own, dropped afterwards."""
    assert POSTGRES_URL is not None
    server = make_url(POSTGRES_URL).set(drivername="postgresql")
    admin = server.render_as_string(hide_password=False)
    name = f"sk_upgrade_{secrets.token_hex(6)}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES_URL, reason="needs a PostgreSQL server: set SEATKEEPER_TEST_DATABASE_URL"
)
def test_upgrades_started_together_on_an_empty_postgresql_database_all_succeed(
    tmp_path: Path,
) -> None:
    for _ in range(ROUNDS):
        with private_postgres_database() as database_url:
            outcomes = upgrade_together(database_url, tmp_path)

            assert outcomes == [(0, "")] * REPLICAS
            assert_current(database_url)


def test_upgrades_started_together_on_one_new_sqlite_file_all_succeed(tmp_path: Path) -> None:
    for round_ in range(2):  # BEGIN IMMEDIATE lets one writer in at a time
        database_url = f"sqlite:///{tmp_path / f'replicas-{round_}.db'}"

        outcomes = upgrade_together(database_url, tmp_path)

        assert outcomes == [(0, "")] * REPLICAS
        assert_current(database_url)
