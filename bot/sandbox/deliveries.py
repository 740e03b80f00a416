"""What Slack delivers to an app's request URL, built from the sandbox's workspace and signed
with the signing secret the sandbox gave the app.

Field names follow Slack's payloads (slash commands as form fields, interactions as a form
field `payload` holding JSON, events as a JSON envelope); the v0 signature is Slack's:
HMAC-SHA256 of `v0:{timestamp}:{body}`, keyed with the signing secret, on the real clock.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# Slack still sends the legacy verification token; Bolt is told not to check it.
LEGACY_TOKEN = "sandbox-verification-token"


@dataclass(frozen=True)
class Team:
    """The workspace and the app as Slack names them in every delivery."""

    team_id: str
    domain: str
    app_id: str
    bot_user_id: str
    bot_id: str


@dataclass(frozen=True)
class Delivery:
    """One request body for `POST /slack/events`, and its Content-Type."""

    body: bytes
    content_type: str

    def headers(self, signing_secret: str, timestamp: int | None = None) -> dict[str, str]:
        """The headers Slack sends with it: Content-Type and the v0 signature."""
        stamp = int(time.time()) if timestamp is None else timestamp
        base = f"v0:{stamp}:".encode() + self.body
        digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
        return {
            "Content-Type": self.content_type,
            "X-Slack-Request-Timestamp": str(stamp),
            "X-Slack-Signature": f"v0={digest}",
        }


def slash_command(
    team: Team,
    user: dict[str, Any],
    channel: dict[str, str],
    command: str,
    text: str,
    *,
    trigger_id: str,
    response_url: str,
) -> Delivery:
    """A slash command typed by `user` in `channel` (`id`, `name`)."""
    fields = {
        "token": LEGACY_TOKEN,
        "team_id": team.team_id,
        "team_domain": team.domain,
        "channel_id": channel["id"],
        "channel_name": channel["name"],
        "user_id": user["id"],
        "user_name": user["name"],
        "command": command,
        "text": text,
        "api_app_id": team.app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }
    return Delivery(urlencode(fields).encode(), FORM)


def block_actions(
    team: Team,
    user: dict[str, Any],
    action: dict[str, Any],
    *,
    trigger_id: str,
    where: dict[str, Any],
    state: dict[str, Any] | None = None,
) -> Delivery:
    """A click or a choice in a message or view; `where` holds Slack's `container` and, as
    Slack sends them, `channel`, `message` and `response_url`, or `view`."""
    payload = {
        "type": "block_actions",
        **_actor(team, user),
        "trigger_id": trigger_id,
        "state": {"values": state or {}},
        "actions": [{"action_ts": f"{time.time():.6f}"} | action],  # unless the action has one
        **where,
    }
    return _interaction(payload)


def view_submission(
    team: Team, user: dict[str, Any], view: dict[str, Any], *, trigger_id: str
) -> Delivery:
    """A modal submitted by `user`; `view` carries its `state.values`."""
    payload = {
        "type": "view_submission",
        **_actor(team, user),
        "trigger_id": trigger_id,
        "view": shown_view(team, view),
        "response_urls": [],
    }
    return _interaction(payload)


def app_home_opened(team: Team, user_id: str, view: dict[str, Any] | None) -> Delivery:
    """The event Slack sends when `user_id` opens the app's Home tab."""
    event: dict[str, Any] = {
        "type": "app_home_opened",
        "user": user_id,
        "channel": "D" + user_id[1:],
        "tab": "home",
        "event_ts": f"{time.time():.6f}",
    }
    if view is not None:
        event["view"] = shown_view(team, view)
    envelope = {
        "token": LEGACY_TOKEN,
        "team_id": team.team_id,
        "api_app_id": team.app_id,
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{secrets.token_hex(6).upper()}",
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team.team_id,
                "user_id": team.bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_hex(8)}",
    }
    return Delivery(json.dumps(envelope).encode(), JSON)


def shown_view(team: Team, view: dict[str, Any]) -> dict[str, Any]:
    """A stored view as Slack shows it in a payload."""
    return {
        "team_id": team.team_id,
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "clear_on_close": False,
        "notify_on_close": False,
        "app_installed_team_id": team.team_id,
        "bot_id": team.bot_id,
    } | view


def _actor(team: Team, user: dict[str, Any]) -> dict[str, Any]:
    return {
        "user": {
            "id": user["id"],
            "username": user["name"],
            "name": user["name"],
            "team_id": team.team_id,
        },
        "team": {"id": team.team_id, "domain": team.domain},
        "enterprise": None,
        "is_enterprise_install": False,
        "api_app_id": team.app_id,
        "token": LEGACY_TOKEN,
    }


def _interaction(payload: dict[str, Any]) -> Delivery:
    return Delivery(urlencode({"payload": json.dumps(payload)}).encode(), FORM)
