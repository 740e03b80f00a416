"""`seatkeeper check`: is everything this server depends on reachable and accepted?"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.bootstrap import Container
from bot.cli.failures import database_problem
from store.db import ping
from store.migrate import is_current
from workflows.ports import ConnectorError


def run_checks(container: Container, say: Callable[[str], None]) -> bool:
    """Check the database, Slack and each connector; say one line each; True if all pass."""
    results = [_database(container), _slack(container), *_channels(container)]
    results += [_connector(key, container) for key in sorted(container.connectors)]
    if container.directory is not None:
        results.append(_directory(container))
    for ok, line in results:
        say(f"{'ok  ' if ok else 'FAIL'} {line}")
    return all(ok for ok, _ in results)


def _database(container: Container) -> tuple[bool, str]:
    missing = _missing_sqlite_file(container.engine)
    if missing is not None:  # connecting would create the file; a check changes nothing
        return False, f"database: {missing}"
    try:
        ping(container.engine)
        current = is_current(container.engine)
    except SQLAlchemyError as exc:
        return False, f"database: {database_problem(exc)}"
    if not current:
        return False, "database: schema is behind; run `seatkeeper db upgrade`"
    return True, f"database: {container.engine.dialect.name}, schema up to date"


def _missing_sqlite_file(engine: Engine) -> str | None:
    """Why the SQLite file the engine names cannot be checked without creating it, if so."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    path = Path(url.database)
    if not path.parent.is_dir():
        return f"cannot use {path}: its folder {path.parent} does not exist"
    if not path.exists():
        return f"{path} does not exist yet; `seatkeeper db upgrade` creates it"
    return None


def _slack(container: Container) -> tuple[bool, str]:
    if not container.slack.token:
        return False, "slack: SLACK_BOT_TOKEN is not set"
    try:
        auth = container.slack.auth_test()
    except SlackApiError as exc:
        return False, f"slack: auth.test refused the bot token ({exc.response.get('error')})"
    except OSError as exc:
        return False, f"slack: cannot reach {container.slack.base_url} ({exc})"
    if container.bolt is None:
        return False, "slack: SLACK_SIGNING_SECRET is not set"
    return True, f"slack: signed in as {auth.get('user')} in {auth.get('team')}"


def _channels(container: Container) -> list[tuple[bool, str]]:
    """Can the bot post where the config says it posts? Reading a channel's history needs the
    same membership as posting (and no message is posted to find out)."""
    slack = container.config.slack
    named = [("IT channel", slack.it_channel), ("approvals channel", slack.approvals_channel)]
    if not container.slack.token:
        return []
    return [_channel(container, what, channel) for what, channel in named if channel]


def _channel(container: Container, what: str, channel: str) -> tuple[bool, str]:
    try:
        container.slack.conversations_history(channel=channel, limit=1)
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error in ("not_in_channel", "channel_not_found"):
            return False, (
                f"slack: the bot cannot post in the {what} {channel} ({error}); invite it there "
                "with /invite @Seatkeeper (a private channel must invite it)"
            )
        return False, f"slack: cannot look at the {what} {channel} ({error})"
    except OSError as exc:
        return False, f"slack: cannot reach {container.slack.base_url} ({exc})"
    return True, f"slack: the bot can post in the {what} {channel}"


def _directory(container: Container) -> tuple[bool, str]:
    assert container.directory is not None
    try:
        return True, f"directory: {container.directory.check()}"
    except ConnectorError as exc:
        return False, f"directory: {exc}"


def _connector(key: str, container: Container) -> tuple[bool, str]:
    """One app's line, headed `app KEY:` so an app keyed `slack` is not read as Slack itself."""
    name = next((app.name for app in container.config.apps if app.key == key), key)
    try:
        return True, f"app {key}: {container.connectors[key].check()}"
    except ConnectorError as exc:
        return False, f"app {key}: {str(exc).removeprefix(f'{name}: ')}"
