"""The suite and the benchmarks read nothing outside the repository, so they run from any clone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.contracts import ContractsNotFoundError, contract_path, contracts_dir, repo_root

# How files have pointed at a folder beside the clone: as a path, built from parts, or through
# the variable that once overrode it.
OUTSIDE = ("shared/contracts", "../shared", '"shared"', "SEATKEEPER_CONTRACTS_DIR")
THIS_RULE = Path(__file__).resolve()


def files_under(*folders: str) -> list[Path]:
    """Every file in the named top-level folders of the repository, caches left out."""
    found = (path for folder in folders for path in (repo_root() / folder).rglob("*"))
    return sorted(p for p in found if p.is_file() and "__pycache__" not in p.parts)


def mentions_outside(path: Path) -> list[str]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    return [f"{path.relative_to(repo_root())}: {needle}" for needle in OUTSIDE if needle in text]


def test_no_file_under_tests_or_bench_points_at_a_folder_beside_the_repository() -> None:
    files = [path for path in files_under("tests", "bench") if path != THIS_RULE]

    assert len(files) > 100
    assert [found for path in files for found in mentions_outside(path)] == []


def test_contract_files_are_read_from_tests_contracts_inside_the_repository() -> None:
    assert contracts_dir() == repo_root() / "tests" / "contracts"
    assert contract_path("slack_common_event_wrapper_schema.json").is_file()


def test_a_contract_file_that_is_not_kept_says_how_to_add_it() -> None:
    with pytest.raises(ContractsNotFoundError, match=r"scripts/refresh_contracts\.py"):
        contract_path("slack_events_api_async_v1.json")


def test_sources_md_names_every_contract_file_and_only_files_that_are_there() -> None:
    sources = (contracts_dir() / "SOURCES.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `([^`]+)` \|", sources, flags=re.MULTILINE))
    present = {
        str(path.relative_to(contracts_dir()))
        for path in files_under("tests/contracts")
        if path.name != "SOURCES.md"
    }

    assert listed == present
