"""The README's reference lists every command, flag, environment variable and endpoint; its
quick start runs the demo, and the screenshots it shows are in the repository."""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

from fastapi.routing import APIRoute

from bot.bootstrap import build
from bot.cli import sandbox
from bot.cli.main import _parser
from bot.config.loader import parse_config
from bot.config.settings import Settings, settings_from_env
from bot.web.app import create_app

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
PNG = b"\x89PNG\r\n\x1a\n"
SMALL = 250_000  # bytes: a screenshot in the README is kept small


def commands(
    parser: argparse.ArgumentParser, words: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], list[str]]]:
    """Every command's words with its long options, subcommands included."""
    flags = [
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    ]
    yield words, flags
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, (*words, name))


def test_every_command_and_flag_is_in_the_readme() -> None:
    missing = []
    for words, flags in commands(_parser()):
        if words and f"seatkeeper {' '.join(words)}" not in README:
            missing.append(" ".join(words))
        missing += [f"{' '.join(words)} {flag}" for flag in flags if not _mentioned(flag)]

    assert missing == []


def test_every_environment_variable_is_in_the_readme() -> None:
    names = [name.upper() for name in Settings.model_fields] + ["HOST", "PORT"]

    assert [name for name in names if f"| `{name}` |" not in README] == []


def test_every_endpoint_is_in_the_readme(database_url: str) -> None:
    env = {"SEATKEEPER_DATABASE_URL": database_url}
    container = build(settings_from_env(env), parse_config("", source="x.yml", env=env), env=env)
    try:
        app = create_app(container)
    finally:
        container.close()
    paths = {route.path for route in app.routes if isinstance(route, APIRoute)}
    paths |= {"/openapi.json", "/docs"}

    assert sorted(path for path in paths if path.split("{")[0].rstrip("/") not in README) == []


def _mentioned(flag: str) -> bool:
    return any(f"{before}{flag}" in README for before in ("`", " ", "["))


def test_the_quick_starts_first_command_runs_the_demo_where_the_readme_says() -> None:
    quick_start = README.split("## Quick start", 1)[1]
    first = re.search(r"```sh\n(.*?)\n```", quick_start, re.DOTALL)
    assert first is not None
    *install, last = first.group(1).split(" && ")
    program, *words = shlex.split(last)

    args = _parser().parse_args(words)

    assert program == ".venv/bin/seatkeeper" and any("pip install" in step for step in install)
    assert args.handler is sandbox.demo
    assert f"http://{args.host}:{args.port}/sandbox/" in quick_start.split("\n## ", 1)[0]


def test_every_screenshot_the_readme_shows_is_a_small_png_in_docs() -> None:
    shown = re.findall(r"!\[[^\]]+\]\((docs/[^)]+)\)", README)
    files = [ROOT / name for name in shown]

    assert len(shown) >= 5  # the request, approval, approved thread, keep/release and digest
    assert [name for name, file in zip(shown, files, strict=True) if not file.is_file()] == []
    assert [f.name for f in files if f.read_bytes()[:8] != PNG or f.stat().st_size > SMALL] == []
    assert sorted(p.name for p in (ROOT / "docs").glob("*.png")) == sorted(f.name for f in files)
