"""A `seatkeeper run sync` killed mid-pass frees the sync within one lease, not hours later.

The pass is made to hang on its directory source: the people CSV is a named pipe, and opening
it for reading waits until this test opens it for writing.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.sandbox.local import LocalSlack

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes (POSIX)")

LEASE_SECONDS = 3
SLACK_TOKEN = "xoxb-seatkeeper-lease-test-bot-token-41c2"
SEATKEEPER = Path(sys.executable).parent / "seatkeeper"
WAIT = 60.0  # seconds before a process that never gets there fails the test
CONFIG = """\
slack: {it_channel: C0ITOPS01}
admins: [U0ADMIN01]
directory: {source: csv, path: people.fifo}
apps:
  - key: miro
    name: Miro
    connector: {type: manual}
    tiers: [{key: standard, name: Standard, monthly_price: 10}]
"""
PEOPLE = (
    "email,name,slack_user_id,manager_email,department,active\n"
    "ada@acme.com,Ada Lovelace,U0ADA0001,,Engineering,true\n"
)


@dataclass
class SyncRuns:
    """Starts `seatkeeper run sync` processes against one database and one hanging directory."""

    folder: Path
    env: dict[str, str]
    started: list[subprocess.Popen[str]] = field(default_factory=list)

    @property
    def fifo(self) -> Path:
        return self.folder / "people.fifo"

    def start(self) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [str(SEATKEEPER), "run", "sync"],
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        """Kill what a failing test left running."""
        for process in self.started:
            if process.poll() is None:
                process.kill()
            process.communicate(timeout=WAIT)

    def reader_arrives(self, process: subprocess.Popen[str]) -> int:
        """Wait until `process` is reading the directory (mid-pass); a writing end to it."""
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline and process.poll() is None:
            try:
                return os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: nobody has it open for reading yet
                    raise
            time.sleep(0.05)
        _, errors = process.communicate(timeout=WAIT)
        pytest.fail(f"the sync never read the directory (exit {process.returncode}): {errors}")


@pytest.fixture
def runs(tmp_path: Path, database_url: str) -> Iterator[SyncRuns]:
    (tmp_path / "seatkeeper.yml").write_text(CONFIG, encoding="utf-8")
    os.mkfifo(tmp_path / "people.fifo")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEATKEEPER_", "SLACK_"))}
    with LocalSlack(token=SLACK_TOKEN) as slack:
        env |= {
            "SEATKEEPER_DATABASE_URL": database_url,
            "SEATKEEPER_CONFIG": str(tmp_path / "seatkeeper.yml"),
            "SEATKEEPER_LEASE_SECONDS": str(LEASE_SECONDS),
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_API_URL": slack.url,
        }
        runs = SyncRuns(tmp_path, env)
        yield runs
        runs.stop_all()


def test_a_sync_killed_mid_pass_holds_the_sync_only_while_it_lives_and_one_lease_after(
    runs: SyncRuns,
) -> None:
    first = runs.start()
    writer = runs.reader_arrives(first)
    try:
        # The lease it took before its pass has run out by then: only renewing keeps it.
        time.sleep(LEASE_SECONDS + 0.5)
        second = runs.start()
        _, errors = second.communicate(timeout=WAIT)
        assert second.returncode == 1
        assert "a sync is already running (on this or another server)" in errors
        assert first.poll() is None
    finally:
        first.send_signal(signal.SIGKILL)  # no `finally` of its runs: nothing releases the lease
        first.communicate(timeout=WAIT)
        os.close(writer)
    time.sleep(LEASE_SECONDS + 0.5)  # its last renewal runs out

    third = runs.start()
    feed = runs.reader_arrives(third)
    os.write(feed, PEOPLE.encode())
    os.close(feed)
    output, errors = third.communicate(timeout=WAIT)

    assert third.returncode == 0, errors
    assert "directory: 1 joined, 0 updated, 0 left" in output
