"""The installed `seatkeeper` console script, run as an operator runs it."""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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


@dataclass
class Running:
    """A long-running `seatkeeper` command: its process, and what it printed so far."""

    process: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)

    def line_with(self, text: str, wait: float = 120) -> str:
        """The first line of standard output that holds `text` (it has exited: an error)."""
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as ready:
            ready.register(self.process.stdout, selectors.EVENT_READ)
            end = time.monotonic() + wait
            while time.monotonic() < end:
                if not ready.select(timeout=max(end - time.monotonic(), 0)):
                    break
                line = self.process.stdout.readline()
                if not line:
                    break
                self.lines.append(line)
                if text in line:
                    return line
        raise AssertionError(f"no line with {text!r}; it printed:\n{''.join(self.lines)}")

    def interrupt(self) -> tuple[int, str, str]:
        """Ctrl-C; its exit code, and the rest of its standard output and its standard error."""
        self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=60)
        return self.process.returncode, "".join(self.lines) + out, err


@contextmanager
def started(folder: Path, *args: str, **env: str) -> Iterator[Running]:
    """`seatkeeper ARGS` started in `folder` with only `env` (and PATH) in its environment;
    killed if it still runs when the block ends."""
    process = subprocess.Popen(
        [str(SCRIPT), *args],
        cwd=folder,
        env={"PATH": os.environ.get("PATH", "")} | env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield Running(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
