"""The Slack app manifest: valid against Slack's published schema, and the same everywhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from bot.cli.main import main
from bot.slack.manifest import PLACEHOLDER_URL, manifest, manifest_yaml
from tests.contracts import contract_path, repo_root

SCHEMA_FILE = "manifest-schema/manifest.schema.1.0.0.json"
MANIFEST_FILE = repo_root() / "app-manifest.yml"
BOT_SCOPES = {
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
    "users:read",
    "users:read.email",
}


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = json.loads(contract_path(SCHEMA_FILE).read_text(encoding="utf-8"))
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


def schema_errors(validator: Draft7Validator, document: Any) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '<root>'}: {error.message}"
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    ]


def file_manifest() -> dict[str, Any]:
    return yaml.safe_load(MANIFEST_FILE.read_text(encoding="utf-8"))


def urls(document: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (path, value) whose key names a URL (`url`, `request_url`, …), at any depth."""
    if isinstance(document, dict):
        for key, value in document.items():
            where = f"{path}.{key}" if path else str(key)
            if str(key).endswith("url"):
                yield where, value
            yield from urls(value, where)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from urls(value, f"{path}[{index}]")


def cli_manifest(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["manifest", *argv]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    return captured.out


def test_the_manifest_file_in_the_repository_is_valid_for_slack(
    validator: Draft7Validator,
) -> None:
    assert schema_errors(validator, file_manifest()) == []


def test_the_manifest_file_is_exactly_what_the_code_generates_so_it_cannot_drift() -> None:
    assert MANIFEST_FILE.read_text(encoding="utf-8") == manifest_yaml()
    assert file_manifest() == manifest(PLACEHOLDER_URL)


def test_the_manifest_asks_for_the_license_command_and_points_it_at_the_events_url() -> None:
    commands = file_manifest()["features"]["slash_commands"]

    assert [command["command"] for command in commands] == ["/license"]
    assert commands[0]["url"] == f"{PLACEHOLDER_URL}/slack/events"


def test_the_manifest_subscribes_to_app_home_opened_and_direct_messages_only() -> None:
    events = file_manifest()["settings"]["event_subscriptions"]

    assert events["bot_events"] == ["app_home_opened", "message.im"]
    assert events["request_url"] == f"{PLACEHOLDER_URL}/slack/events"


def test_the_manifest_turns_on_the_home_and_messages_tabs() -> None:
    app_home = file_manifest()["features"]["app_home"]

    assert app_home["home_tab_enabled"] is True
    assert app_home["messages_tab_enabled"] is True
    assert app_home.get("messages_tab_read_only_enabled") is False


def test_the_manifest_turns_on_interactivity_at_the_events_url() -> None:
    interactivity = file_manifest()["settings"]["interactivity"]

    assert interactivity["is_enabled"] is True
    assert interactivity["request_url"] == f"{PLACEHOLDER_URL}/slack/events"


def test_the_manifest_asks_for_exactly_the_eight_documented_bot_scopes_and_nothing_else() -> None:
    scopes = file_manifest()["oauth_config"]["scopes"]

    assert sorted(scopes["bot"]) == sorted(BOT_SCOPES)
    assert len(scopes["bot"]) == len(BOT_SCOPES)
    assert not scopes.get("user")


def test_the_socket_mode_manifest_is_valid_and_has_no_request_urls(
    validator: Draft7Validator,
) -> None:
    document = yaml.safe_load(manifest_yaml(socket_mode=True))

    assert schema_errors(validator, document) == []
    assert document["settings"]["socket_mode_enabled"] is True
    assert list(urls(document)) == []
    assert document["settings"]["interactivity"]["is_enabled"] is True
    assert document["settings"]["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "message.im",
    ]
    assert [c["command"] for c in document["features"]["slash_commands"]] == ["/license"]
    assert sorted(document["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)


def test_seatkeeper_manifest_with_a_url_points_every_url_at_that_servers_events_endpoint(
    capsys: pytest.CaptureFixture[str], validator: Draft7Validator
) -> None:
    document = yaml.safe_load(cli_manifest(capsys, "--url", "https://x.test"))

    found = dict(urls(document))
    assert set(found) == {
        "features.slash_commands[0].url",
        "settings.event_subscriptions.request_url",
        "settings.interactivity.request_url",
    }
    assert set(found.values()) == {"https://x.test/slack/events"}
    assert schema_errors(validator, document) == []


def test_seatkeeper_manifest_with_a_trailing_slash_on_the_url_does_not_double_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = yaml.safe_load(cli_manifest(capsys, "--url", "https://x.test/"))

    assert {value for _, value in urls(document)} == {"https://x.test/slack/events"}


def test_seatkeeper_manifest_without_a_url_prints_the_file_in_the_repository(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli_manifest(capsys) == MANIFEST_FILE.read_text(encoding="utf-8")


def test_seatkeeper_manifest_in_socket_mode_prints_a_manifest_without_urls(
    capsys: pytest.CaptureFixture[str], validator: Draft7Validator
) -> None:
    document = yaml.safe_load(cli_manifest(capsys, "--socket-mode"))

    assert document["settings"]["socket_mode_enabled"] is True
    assert list(urls(document)) == []
    assert schema_errors(validator, document) == []


def test_the_schema_check_is_real_a_manifest_slack_would_refuse_fails_it(
    validator: Draft7Validator,
) -> None:
    broken = manifest(PLACEHOLDER_URL)
    broken["settings"]["interactivity"]["is_enabled"] = "yes"
    broken["features"]["unknown_feature"] = True

    assert len(schema_errors(validator, broken)) == 2
