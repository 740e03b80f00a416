"""The installed `seatkeeper` console script, run as an operator runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).parent / "seatkeeper"


def run(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`seatkeeper ARGS` in `folder`, with only `env` (and PATH) in its environment."""
    base = {"PATH": os.environ.get("PATH", ""), "SEATKEEPER_DATABASE_URL": "sqlite:///x.db"}
    return subprocess.run(
        [str(SCRIPT), *args], cwd=folder, env=base | env, capture_output=True, text=True, timeout=60
    )


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assert_one_line(done: subprocess.CompletedProcess[str], code: int, start: str) -> None:
    """`done` failed with `code` and said only one line, starting `seatkeeper: START`."""
    assert done.returncode == code, done.stderr
    assert done.stderr.startswith(f"seatkeeper: {start}"), done.stderr
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
