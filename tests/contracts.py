"""Where the shared contract files (vendor schemas, payload shapes) live for tests."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ENV_VAR = "SEATKEEPER_CONTRACTS_DIR"


class ContractsNotFoundError(FileNotFoundError):
    """The contracts directory is missing; tests that need it cannot run."""


def repo_root() -> Path:
    """The repository root: the parent of `tests/`."""
    return Path(__file__).resolve().parent.parent


def contracts_dir() -> Path:
    """The contracts directory: `$SEATKEEPER_CONTRACTS_DIR`, else `<repo>/../shared/contracts`."""
    override = os.environ.get(ENV_VAR)
    path = Path(override) if override else repo_root().parent / "shared" / "contracts"
    if not path.is_dir():
        source = f"${ENV_VAR}" if override else "the default location"
        raise ContractsNotFoundError(
            f"contracts directory {path} (from {source}) does not exist; "
            f"point {ENV_VAR} at a checkout of the shared contracts"
        )
    return path


def load_json(relative: str) -> Any:
    """Parse one JSON contract file, e.g. `payload-shapes/web-api-responses/auth.test.json`."""
    return json.loads((contracts_dir() / relative).read_text(encoding="utf-8"))
