"""Which configuration file a command reads, and how a file that does not load stops it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.cli.failures import CONFIGURATION, Refusal
from bot.config.loader import ConfigError
from bot.config.settings import Settings

STARTER_NOTE = (
    "seatkeeper: no seatkeeper.yml in this folder and none named by SEATKEEPER_CONFIG or "
    "--config: using the built-in starter configuration (two example apps, no admins)"
)


def config_file(settings: Settings) -> Path | None:
    """The file to read: the one SEATKEEPER_CONFIG or --config names, which must exist, else
    ./seatkeeper.yml if there is one; None means the built-in starter configuration, and a
    note on standard error says so."""
    path = settings.config_path
    if path.exists():
        return path
    if settings.config_named:
        raise Refusal(
            CONFIGURATION,
            f"the config file {path} does not exist (named by SEATKEEPER_CONFIG or --config); "
            "fix the name, or `seatkeeper config example > seatkeeper.yml`",
        )
    print(STARTER_NOTE, file=sys.stderr)
    return None


@contextmanager
def refusing_invalid_config() -> Iterator[None]:
    """A config that does not load stops the command (exit code 2), after its problems, each
    on its own line naming its place in the file."""
    try:
        yield
    except ConfigError as exc:
        print(f"seatkeeper: the configuration is not valid:\n{exc}", file=sys.stderr)
        raise Refusal(CONFIGURATION) from exc
