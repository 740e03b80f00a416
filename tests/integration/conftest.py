"""Fixtures of the integration tests: a migrated database, a fake Slack and `seatkeeper` in a
prepared folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from bot.sandbox.local import LocalSlack
from store.db import make_engine
from store.migrate import upgrade
from tests.fakes.scim_server import RunningScimServer
from tests.integration.cli_harness import (
    MANUAL_CONFIG,
    SCIM_TOKEN_ENV,
    SIGNING_SECRET,
    SLACK_TOKEN,
    Cli,
    scim_app,
)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test database, with the current schema."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def slack() -> Iterator[LocalSlack]:
    fake = LocalSlack(token=SLACK_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def cli(
    tmp_path: Path,
    database_url: str,
    slack: LocalSlack,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Cli:
    for name in ("SLACK_APP_TOKEN", "SEATKEEPER_LOG_LEVEL", "SEATKEEPER_WORKER_INTERVAL"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "seatkeeper.yml"
    config.write_text(MANUAL_CONFIG, encoding="utf-8")
    monkeypatch.setenv("SEATKEEPER_DATABASE_URL", database_url)
    monkeypatch.setenv("SEATKEEPER_CONFIG", str(config))
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack.token)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", slack.url)
    monkeypatch.chdir(tmp_path)
    return Cli(tmp_path, config, database_url, slack, monkeypatch, capsys)


@pytest.fixture
def scim_cli(cli: Cli, scim_server: RunningScimServer) -> Cli:
    """`cli` with a SCIM app whose tier group exists on the real SCIM server."""
    group = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "professional",
    }
    httpx.post(
        f"{scim_server.base_url}/Groups",
        json=group,
        headers={"Authorization": f"Bearer {scim_server.token}"},
    ).raise_for_status()
    cli.write_config(MANUAL_CONFIG + scim_app(scim_server.base_url))
    cli.setenv(SCIM_TOKEN_ENV, scim_server.token)
    assert cli("db", "upgrade").code == 0
    return cli
