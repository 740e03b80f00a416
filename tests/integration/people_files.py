"""Large people files, and `seatkeeper import people` run as its own process on a SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.integration.cli_harness import HEADER, MANUAL_CONFIG

Row = tuple[str, str, str, str, str, str]


def people_rows(count: int, *, name: str = "Person", leavers_every: int = 0) -> list[Row]:
    """`count` people with Slack ids and managers; every `leavers_every`-th one inactive."""
    rows = []
    for n in range(count):
        active = "false" if leavers_every and n % leavers_every == 0 else "true"
        manager = "" if n == 0 else f"p{n // 10:06d}@acme.test"  # p0 has no manager
        rows.append(
            (f"p{n:06d}@acme.test", f"{name} {n}", f"U{n:08d}", manager, f"Dept {n % 20}", active)
        )
    return rows


def write_people(path: Path, rows: Iterable[Row | str]) -> Path:
    """A people CSV at `path` (a str row is written as it is)."""
    lines = [row if isinstance(row, str) else ",".join(row) for row in rows]
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def import_env(folder: Path, database: Path) -> dict[str, str]:
    """The environment of `seatkeeper import` on this SQLite file (a config is written)."""
    config = folder / "seatkeeper.yml"
    config.write_text(MANUAL_CONFIG, encoding="utf-8")
    return {"SEATKEEPER_DATABASE_URL": f"sqlite:///{database}", "SEATKEEPER_CONFIG": str(config)}


def start_import(folder: Path, database: Path, file: Path) -> subprocess.Popen[str]:
    """`seatkeeper import people FILE` in a child process with its own environment."""
    env = {"PATH": os.environ.get("PATH", ""), **import_env(folder, database)}
    code = "import sys; from bot.cli.main import main; sys.exit(main())"
    return subprocess.Popen(
        [sys.executable, "-c", code, "import", "people", str(file)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@contextmanager
def importing(folder: Path, database: Path, file: Path) -> Iterator[subprocess.Popen[str]]:
    """`start_import`, and the child killed on the way out if the test has not ended it."""
    process = start_import(folder, database, file)
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            process.communicate(timeout=60)


def scalar(database: Path, sql: str) -> int:
    """One number read without taking SQLite's write lock (a writer may hold it)."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute(sql).fetchone()[0]
    finally:
        connection.close()


def stored_people(database: Path) -> set[Row]:
    """Every stored person as the row of a people file would give them."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        found = connection.execute(
            "SELECT email, name, slack_user_id, manager_email, department, active FROM people"
        ).fetchall()
    finally:
        connection.close()
    return {
        (email, name, slack or "", manager or "", dept, "true" if active else "false")
        for email, name, slack, manager, dept, active in found
    }
