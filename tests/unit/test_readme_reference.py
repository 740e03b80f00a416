"""The README's reference lists every command, flag, environment variable and endpoint."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

from fastapi.routing import APIRoute

from bot.bootstrap import build
from bot.cli.main import _parser
from bot.config.loader import parse_config
from bot.config.settings import Settings, settings_from_env
from bot.web.app import create_app

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


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
