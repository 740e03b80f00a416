"""With only the bot and app-level tokens (Socket Mode), the app can receive Slack's requests
over Socket Mode, while `/slack/events` stays closed: nothing can check a signature there."""

from __future__ import annotations

from fastapi.testclient import TestClient

from bot.bootstrap import build
from bot.config.loader import parse_config
from bot.config.settings import settings_from_env
from bot.web.app import create_app


def test_socket_mode_tokens_give_a_bolt_app_and_leave_http_closed(database_url: str) -> None:
    env = {
        "SEATKEEPER_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_APP_TOKEN": "xapp-test",
    }
    container = build(
        settings_from_env(env), parse_config("admins: []\n", source="x.yml", env=env), env=env
    )
    try:
        with TestClient(create_app(container)) as client:
            answer = client.post("/slack/events", content=b"{}")
    finally:
        container.close()

    assert container.bolt is not None and container.slack_signature is None
    assert answer.status_code == 503
