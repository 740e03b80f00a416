"""A large people import does not keep Slack waiting: on one SQLite file, `/license help`
keeps being answered while `seatkeeper import people` runs in another process."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.bootstrap import build
from bot.config.loader import parse_config
from bot.config.settings import settings_from_env
from bot.sandbox.local import LocalSlack
from bot.web.app import create_app
from messages import render
from tests.fakes.slack_requests import SlackSender
from tests.integration.cli_harness import MANUAL_CONFIG
from tests.integration.people_files import (
    importing,
    people_rows,
    scalar,
    write_people,
)

PEOPLE = 60_000
SIGNING_SECRET = "import-beside-slack-signing-secret"
SLACK_LIMIT = 3.0  # seconds Slack waits for an answer before telling the user it failed
COUNT = "SELECT count(*) FROM people"


@dataclass
class Answer:
    status: int
    text: str
    seconds: float
    people_before: int
    people_after: int


@pytest.fixture
def slack_app(tmp_path: Path) -> Iterator[SlackSender]:
    """The app's `/slack/events` on `tmp_path/seatkeeper.db`, signed requests ready to send."""
    fake = LocalSlack().start()
    env = {
        "SLACK_BOT_TOKEN": fake.token,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.url,
        "SEATKEEPER_DATABASE_URL": f"sqlite:///{tmp_path / 'seatkeeper.db'}",
    }
    container = build(settings_from_env(env), parse_config(MANUAL_CONFIG, source="t.yml", env=env))
    client = TestClient(create_app(container))
    try:
        yield SlackSender(client, SIGNING_SECRET, user_id="U0ALICE01")
    finally:
        client.close()
        container.close()
        fake.stop()


def ask_for_help(sender: SlackSender, database: Path) -> Answer:
    before = scalar(database, COUNT)
    started = time.perf_counter()
    response = sender.command("/license", "help")
    seconds = time.perf_counter() - started
    text = response.json().get("text", "") if response.status_code == 200 else response.text
    return Answer(response.status_code, text, seconds, before, scalar(database, COUNT))


def test_slack_requests_are_answered_in_time_while_60000_people_are_imported(
    tmp_path: Path, slack_app: SlackSender
) -> None:
    database = tmp_path / "seatkeeper.db"
    file = write_people(tmp_path / "people.csv", people_rows(PEOPLE))
    help_text = render.help_message()["text"]

    answers = []
    with importing(tmp_path, database, file) as process:
        deadline = time.monotonic() + 300
        while process.poll() is None and time.monotonic() < deadline:
            answers.append(ask_for_help(slack_app, database))
            time.sleep(0.02)
        out, err = process.communicate(timeout=60)

    assert (process.returncode, err) == (0, ""), err
    assert f"{PEOPLE} people added" in out
    assert scalar(database, COUNT) == PEOPLE
    assert [(a.status, a.text) for a in answers] == [(200, help_text)] * len(answers)
    assert max(a.seconds for a in answers) < SLACK_LIMIT
    midway = [a for a in answers if a.people_before > 0 and a.people_after < PEOPLE]
    assert len(midway) >= 3, f"only {len(midway)} answers came while the import was under way"
