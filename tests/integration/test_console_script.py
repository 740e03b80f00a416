"""The `seatkeeper` console script as an operator runs it: which configuration it reads, what
it says when there is none, its version, and the starter configuration it prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.loader import parse_config
from tests.integration.console import run


def test_a_named_config_file_that_does_not_exist_is_an_error_not_the_starter_config(
    tmp_path: Path,
) -> None:
    done = run(tmp_path, "check", SEATKEEPER_CONFIG=str(tmp_path / "seatkeper.yml"))

    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith(f"seatkeeper: the config file {tmp_path / 'seatkeper.yml'}")
    assert "does not exist" in done.stderr


def test_without_a_config_the_first_line_says_the_starter_configuration_is_used(
    tmp_path: Path,
) -> None:
    done = run(tmp_path, "db", "upgrade")

    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0].startswith(
        "seatkeeper: no seatkeeper.yml in this folder and none named"
    )


def test_config_names_the_file_over_the_environment(tmp_path: Path) -> None:
    (tmp_path / "mine.yml").write_text("admins: [U0ADMIN01]\n")

    done = run(tmp_path, "--config", "mine.yml", "db", "upgrade", SEATKEEPER_CONFIG="absent.yml")

    assert (done.returncode, done.stderr) == (0, "")


def test_version_prints_the_installed_version(tmp_path: Path) -> None:
    done = run(tmp_path, "--version")

    assert done.returncode == 0
    assert done.stdout.startswith("seatkeeper ") and done.stdout.strip() != "seatkeeper unknown"


def test_config_example_prints_a_starter_configuration_that_loads(tmp_path: Path) -> None:
    done = run(tmp_path, "config", "example")

    assert done.returncode == 0
    config = parse_config(done.stdout, source="example", env={})
    assert [app.key for app in config.apps] == ["miro", "figma"]


@pytest.mark.parametrize("command", ["serve", "run", "import", "report", "token"])
def test_every_command_describes_its_options(tmp_path: Path, command: str) -> None:
    done = run(tmp_path, command, "--help")

    assert done.returncode == 0
    assert "usage: seatkeeper" in done.stdout


def test_db_backup_copies_a_sqlite_database_in_use_to_a_new_file(tmp_path: Path) -> None:
    import sqlite3

    assert run(tmp_path, "db", "upgrade").returncode == 0
    writer = sqlite3.connect(tmp_path / "x.db")
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("INSERT INTO leases (name, holder, until) VALUES ('held', 'me', '2030-01-01')")
    writer.commit()  # committed into the write-ahead log, not yet into the database file

    done = run(tmp_path, "db", "backup", "copy.db")
    again = run(tmp_path, "db", "backup", "copy.db")
    writer.close()

    assert done.returncode == 0, done.stderr
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("SELECT holder FROM leases").fetchall() == [("me",)]
    copy.close()
    assert again.returncode == 2 and "exists already" in again.stderr


@pytest.mark.parametrize(
    ("upgraded", "destination", "said"),
    [
        (False, "copy.db", "seatkeeper: the database x.db does not exist; check SEATKEEPER_"),
        (True, "gone/copy.db", "seatkeeper: the folder gone does not exist; create it first"),
    ],
)
def test_db_backup_refuses_in_one_line_and_creates_nothing_without_a_source_or_a_folder(
    tmp_path: Path, upgraded: bool, destination: str, said: str
) -> None:
    if upgraded:
        assert run(tmp_path, "db", "upgrade").returncode == 0
    before = sorted(tmp_path.rglob("*"))

    done = run(tmp_path, "db", "backup", destination)

    assert done.returncode == 2
    assert done.stderr.startswith(said) and len(done.stderr.splitlines()) == 1, done.stderr
    assert sorted(tmp_path.rglob("*")) == before


def test_db_backup_of_postgresql_points_at_its_own_tools(tmp_path: Path) -> None:
    done = run(
        tmp_path,
        "db",
        "backup",
        "copy.db",
        SEATKEEPER_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none",
    )

    assert done.returncode == 2
    assert "back it up with its own tools (pg_dump" in done.stderr


@pytest.mark.parametrize(
    ("command", "variable", "value", "said"),
    [
        (
            "db upgrade",
            "SEATKEEPER_LOG_LEVEL",
            "LOUD",
            "seatkeeper: SEATKEEPER_LOG_LEVEL must be one of DEBUG",
        ),
        (
            "db upgrade",
            "SEATKEEPER_LOG_FORMAT",
            "xml",
            "seatkeeper: SEATKEEPER_LOG_FORMAT: should be 'text'",
        ),
        (
            "db upgrade",
            "SEATKEEPER_LEASE_SECONDS",
            "1",
            "seatkeeper: SEATKEEPER_LEASE_SECONDS: should be",
        ),
        ("serve", "PORT", "abc", "seatkeeper: PORT: 'abc' is not a port number (1 to 65535)"),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    tmp_path: Path, command: str, variable: str, value: str, said: str
) -> None:
    done = run(tmp_path, *command.split(), **{variable: value})

    assert done.returncode == 2
    assert done.stderr.startswith(said) and len(done.stderr.splitlines()) == 1, done.stderr


def test_a_bad_port_concerns_only_serve(tmp_path: Path) -> None:
    version = run(tmp_path, "--version", PORT="abc")
    upgraded = run(tmp_path, "db", "upgrade", PORT="abc")

    assert version.returncode == 0 and version.stdout.startswith("seatkeeper "), version.stderr
    assert upgraded.returncode == 0, upgraded.stderr
