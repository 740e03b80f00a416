"""The installed `seatkeeper` console script, run as an operator runs it."""

from __future__ import annotations

import os
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
