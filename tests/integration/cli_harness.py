"""Running `seatkeeper …` in a prepared folder and environment, for CLI tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.cli.main import main
from bot.sandbox.local import LocalSlack
from store.db import make_engine

SLACK_TOKEN = "xoxb-seatkeeper-cli-test-bot-token-7d1e"
SIGNING_SECRET = "cli-test-signing-secret-3b9f0c"
SCIM_TOKEN_ENV = "SEATKEEPER_TEST_SCIM_TOKEN"
HEADER = "email,name,slack_user_id,manager_email,department,active"

MANUAL_CONFIG = """\
slack: {it_channel: C0ITOPS01}
admins: [U0ADMIN01]
apps:
  - key: miro
    name: Miro
    connector: {type: manual}
    tiers:
      - {key: standard, name: Standard, monthly_price: 10, approval: [U0APPROV1]}
"""


@dataclass(frozen=True)
class Outcome:
    code: int
    out: str
    err: str


@dataclass
class Cli:
    """Runs `seatkeeper …` in a prepared working folder and environment."""

    folder: Path
    config: Path
    database_url: str
    slack: LocalSlack
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def __call__(self, *argv: str) -> Outcome:
        self.capsys.readouterr()
        code = main(list(argv))
        captured = self.capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    def write_config(self, text: str) -> None:
        self.config.write_text(text, encoding="utf-8")

    def write_people(self, *rows: str, name: str = "people.csv") -> str:
        (self.folder / name).write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
        return name

    def setenv(self, name: str, value: str) -> None:
        self.monkeypatch.setenv(name, value)

    def engine(self) -> Engine:
        return make_engine(self.database_url)


def scim_app(base_url: str, tiers_as: str | None = None) -> str:
    """A catalog entry for a one-tier app behind the SCIM server at `base_url`."""
    how = f", tiers_as: {tiers_as}" if tiers_as else ""
    return (
        "  - key: figma\n"
        "    name: Figma\n"
        f'    connector: {{type: scim, base_url: "{base_url}", token_env: {SCIM_TOKEN_ENV}{how}}}\n'
        "    tiers:\n"
        "      - {key: professional, name: Professional, monthly_price: 15}\n"
    )
