"""Signed requests shaped the way Slack sends them to `POST /slack/events`.

Builders return `(body_bytes, content_type)`; `sign` adds the v0 signature headers;
`SlackSender` posts through a FastAPI `TestClient` or an `httpx.Client`. Field names follow
`contracts/payload-shapes/` (java-slack-sdk samples) and the Events API envelope schema.
Slash commands, interactions and the signature are the sandbox's own (`bot.sandbox.
deliveries`), with defaults and shortcuts for tests.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Callable
from typing import Any, Literal, Protocol

from bot.sandbox import deliveries
from bot.sandbox.deliveries import Delivery, Team

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
TEAM_ID = "T0TEAM001"
TEAM_DOMAIN = "seatkeeper-test"
API_APP_ID = "A0APP0001"
BOT_USER_ID = "U0BOT0001"
USER_ID = "U0ALICE01"
Body = tuple[bytes, str]

_seq = itertools.count(1)


def sign(
    body: bytes, secret: str, timestamp: int | None = None, *, content_type: str | None = None
) -> dict[str, str]:
    """Slack's v0 signature headers for `body` (plus Content-Type when given)."""
    headers = Delivery(body, content_type or "").headers(secret, timestamp)
    if not content_type:
        del headers["Content-Type"]
    return headers


def new_trigger_id() -> str:
    """A trigger id shaped like Slack's (the fake Web API only honours its own)."""
    return f"{next(_seq)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"


def slash_command(
    command: str = "/license",
    text: str = "",
    *,
    user_id: str = USER_ID,
    user_name: str = "alice",
    trigger_id: str | None = None,
    channel_id: str = "D0ALICE01",
    channel_name: str = "directmessage",
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    response_url: str | None = None,
) -> Body:
    """A slash command: plain form fields."""
    delivery = deliveries.slash_command(
        _team(team_id, api_app_id),
        {"id": user_id, "name": user_name},
        {"id": channel_id, "name": channel_name},
        command,
        text,
        trigger_id=trigger_id or new_trigger_id(),
        response_url=response_url or _response_url(team_id),
    )
    return delivery.body, delivery.content_type


def block_action(
    user_id: str,
    action_id: str,
    value: str,
    *,
    block_id: str = "actions",
    container: Literal["message", "view"] | dict[str, Any] = "message",
    channel_id: str = "D0ALICE01",
    message_ts: str = "1700000000.000100",
    trigger_id: str | None = None,
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    action_ts: str | None = None,
    response_url: str | None = None,
) -> Body:
    """A button click: form-encoded `payload` holding block_actions JSON.

    `container` is "message" or "view", or Slack's container object itself (its
    channel_id / message_ts / view_id then win over the keyword arguments).
    """
    action = {
        "type": "button",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "text": {"type": "plain_text", "text": action_id, "emoji": True},
    } | ({"action_ts": action_ts} if action_ts else {})
    where: dict[str, Any]
    given = container if isinstance(container, dict) else {"type": container}
    if given.get("type", "message") == "message":
        channel_id = given.get("channel_id", channel_id)
        message_ts = given.get("message_ts", message_ts)
        where = {
            "container": {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel_id,
                "is_ephemeral": False,
            }
            | given,
            "channel": {"id": channel_id, "name": "directmessage"},
            "message": message or _bot_message(message_ts),
            "response_url": response_url or _response_url(team_id),
        }
    else:
        shown = view or {"id": given.get("view_id", "V0VIEW001"), "type": "home"}
        where = {
            "container": {"type": "view", "view_id": shown["id"]} | given,
            "view": _view(shown, team_id, api_app_id),
        }
    delivery = deliveries.block_actions(
        _team(team_id, api_app_id),
        _user(user_id),
        action,
        trigger_id=trigger_id or new_trigger_id(),
        where=where,
    )
    return delivery.body, delivery.content_type


def view_submission(
    user_id: str,
    callback_id: str,
    state_values: dict[str, dict[str, dict[str, Any]]],
    private_metadata: str = "",
    *,
    trigger_id: str | None = None,
    view_id: str = "V0VIEW001",
    blocks: list[dict[str, Any]] | None = None,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
) -> Body:
    """A modal submit: `state_values` is block_id -> action_id -> value object."""
    view = {
        "id": view_id,
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "state": {"values": state_values},
        "blocks": blocks or [],
    }
    delivery = deliveries.view_submission(
        _team(team_id, api_app_id),
        _user(user_id),
        _view(view, team_id, api_app_id),
        trigger_id=trigger_id or new_trigger_id(),
    )
    return delivery.body, delivery.content_type


def text_input(value: str | None) -> dict[str, Any]:
    """The state value object of a plain_text_input."""
    return {"type": "plain_text_input", "value": value}


def static_select(value: str | None, text: str = "") -> dict[str, Any]:
    """The state value object of a static_select (None = nothing chosen)."""
    option = {"text": {"type": "plain_text", "text": text or value or ""}, "value": value}
    return {"type": "static_select", "selected_option": option if value is not None else None}


def event_callback(
    event: dict[str, Any],
    event_id: str | None = None,
    *,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    bot_user_id: str = BOT_USER_ID,
    event_time: int | None = None,
) -> Body:
    """An Events API delivery: the envelope around `event` (JSON)."""
    event = {"event_ts": _now_ts()} | event
    envelope = {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
        "event_time": event_time if event_time is not None else int(time.time()),
        "authed_users": [bot_user_id],
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_hex(8)}",
    }
    return json.dumps(envelope).encode(), JSON


def app_home_opened(
    user_id: str, event_id: str | None = None, *, tab: str = "home", **envelope: Any
) -> Body:
    """The `app_home_opened` event for `user_id`'s Home tab."""
    event = {"type": "app_home_opened", "user": user_id, "channel": "D" + user_id[1:], "tab": tab}
    return event_callback(event, event_id, **envelope)


def url_verification(challenge: str) -> Body:
    """The handshake Slack sends when the request URL is saved; the app echoes `challenge`."""
    body = {
        "token": "legacy-verification-token",
        "challenge": challenge,
        "type": "url_verification",
    }
    return json.dumps(body).encode(), JSON


class PostClient(Protocol):
    """What `SlackSender` needs: FastAPI's TestClient and httpx.Client both fit."""

    def post(self, url: str, *, content: bytes, headers: dict[str, str]) -> Any: ...


class SlackSender:
    """Signs and posts Slack requests to the app, returning the client's response."""

    def __init__(
        self,
        client: PostClient,
        signing_secret: str,
        *,
        path: str = "/slack/events",
        user_id: str = USER_ID,
        trigger_ids: Callable[[], str] = new_trigger_id,
    ) -> None:
        self.client, self.signing_secret, self.path = client, signing_secret, path
        self.user_id, self.trigger_ids = user_id, trigger_ids

    def send(
        self,
        body: Body,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Sign `body` (with a forged `secret` or stale `timestamp` if given) and post it."""
        content, content_type = body
        signed = sign(content, secret or self.signing_secret, timestamp, content_type=content_type)
        return self.client.post(self.path, content=content, headers=signed | (headers or {}))

    def command(
        self,
        command: str = "/license",
        text: str = "",
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        **fields: Any,
    ) -> Any:
        """Run a slash command as `user_id` (fields override `slash_command` defaults)."""
        fields = {"user_id": self.user_id, "trigger_id": self.trigger_ids()} | fields
        return self.send(slash_command(command, text, **fields), timestamp=timestamp, secret=secret)

    def click(
        self,
        action_id: str,
        value: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        **fields: Any,
    ) -> Any:
        """Click a button (fields override `block_action` defaults, e.g. user_id, container)."""
        fields = {"trigger_id": self.trigger_ids()} | fields
        user_id = fields.pop("user_id", self.user_id)
        body = block_action(user_id, action_id, value, **fields)
        return self.send(body, timestamp=timestamp, secret=secret)

    def submit(
        self,
        callback_id: str,
        state_values: dict[str, dict[str, dict[str, Any]]],
        private_metadata: str = "",
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        **fields: Any,
    ) -> Any:
        """Submit a modal (fields override `view_submission` defaults)."""
        fields = {"trigger_id": self.trigger_ids()} | fields
        user_id = fields.pop("user_id", self.user_id)
        body = view_submission(user_id, callback_id, state_values, private_metadata, **fields)
        return self.send(body, timestamp=timestamp, secret=secret)

    def event(
        self,
        event: dict[str, Any],
        event_id: str | None = None,
        *,
        retry_num: int | None = None,
        retry_reason: str | None = None,
        timestamp: int | None = None,
        secret: str | None = None,
        **envelope: Any,
    ) -> Any:
        """Deliver an event; `retry_num`/`retry_reason` mark it as one of Slack's retries."""
        headers: dict[str, str] = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
        body = event_callback(event, event_id, **envelope)
        return self.send(body, timestamp=timestamp, secret=secret, headers=headers)


def button_value(message: dict[str, Any], action_id: str) -> str | None:
    """The value of a button in a posted message, or None when it has no such button."""
    for block in message.get("blocks", []):
        for element in [*block.get("elements", []), block.get("accessory") or {}]:
            if element.get("action_id") == action_id:
                return element.get("value")
    return None


def click_message(sender: SlackSender, message: dict[str, Any], action_id: str) -> Any:
    """Click a button of a message the fake Slack recorded, as the sender's user."""
    value = button_value(message, action_id)
    assert value is not None, f"no {action_id} button in {message.get('text')}"
    return sender.click(
        action_id,
        value,
        container={
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": message["channel"],
        },
        channel_id=message["channel"],
        message_ts=message["ts"],
    )


def _team(team_id: str, api_app_id: str) -> Team:
    return Team(team_id, TEAM_DOMAIN, api_app_id, BOT_USER_ID, "B0BOT0001")


def _user(user_id: str) -> dict[str, str]:
    return {"id": user_id, "name": user_id.lower()}


def _view(view: dict[str, Any], team_id: str, api_app_id: str) -> dict[str, Any]:
    view_id = view.get("id", "V0VIEW001")
    return {
        "id": view_id,
        "team_id": team_id,
        "type": "modal",
        "title": {"type": "plain_text", "text": "Seatkeeper", "emoji": True},
        "blocks": [],
        "private_metadata": "",
        "callback_id": "",
        "external_id": "",
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
        "clear_on_close": False,
        "notify_on_close": False,
        "root_view_id": view_id,
        "previous_view_id": None,
        "app_id": api_app_id,
        "app_installed_team_id": team_id,
        "bot_id": "B0BOT0001",
    } | view


def _bot_message(ts: str) -> dict[str, Any]:
    return {"type": "message", "ts": ts, "text": "", "blocks": [], "user": BOT_USER_ID}


def _response_url(team_id: str) -> str:
    return f"https://hooks.slack.com/commands/{team_id}/{next(_seq)}/{secrets.token_hex(12)}"


def _now_ts() -> str:
    return f"{time.time():.6f}"
