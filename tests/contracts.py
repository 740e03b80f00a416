"""The contract files tests read (vendor schemas, payload shapes): `tests/contracts/`.

They are upstream documents, trimmed to what the tests read; `tests/contracts/SOURCES.md` says
where each comes from, and `scripts/refresh_contracts.py` derives them again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REFRESH = "scripts/refresh_contracts.py"


class ContractsNotFoundError(FileNotFoundError):
    """A contract file a test asked for is not in `tests/contracts/`."""


def repo_root() -> Path:
    """The repository root: the parent of `tests/`."""
    return Path(__file__).resolve().parent.parent


def contracts_dir() -> Path:
    """The folder of contract files, inside the repository."""
    return repo_root() / "tests" / "contracts"


def contract_path(relative: str) -> Path:
    """The path of one contract file, e.g. `manifest-schema/manifest.schema.1.0.0.json`."""
    path = contracts_dir() / relative
    if not path.is_file():
        raise ContractsNotFoundError(
            f"{path} does not exist: add {relative} to the selection in {REFRESH}, run it "
            "and commit its output (tests/contracts/SOURCES.md says where the files come from)"
        )
    return path


def load_json(relative: str) -> Any:
    """Parse one JSON contract file, e.g. `payload-shapes/web-api-responses/auth.test.json`."""
    return json.loads(contract_path(relative).read_text(encoding="utf-8"))
