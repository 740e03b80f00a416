"""The Slack app manifest, built here so `seatkeeper manifest` can fill in the public URL."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import yaml

# The history scopes let a job that ran again after a crash find the message it already
# posted (by its metadata marker) instead of posting it twice.
BOT_SCOPES = [
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "channels:history",
    "groups:history",
    "users:read",
    "users:read.email",
]
PLACEHOLDER_URL = "https://seatkeeper.example.com"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class UrlProblem(ValueError):
    """A public URL Slack could not send requests to."""


def public_url(url: str) -> str:
    """`url` as the manifest's base: https (plain http only on loopback, for a local test)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UrlProblem(f"--url must be like https://seatkeeper.your-company.com, not {url!r}")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise UrlProblem(f"--url must use https (Slack sends requests only there), not {url!r}")
    if parts.query or parts.fragment:
        raise UrlProblem(f"--url is a base address without ? or #, not {url!r}")
    return url.strip().rstrip("/")


def manifest(base_url: str = PLACEHOLDER_URL, *, socket_mode: bool = False) -> dict[str, Any]:
    """The app manifest (schema v1) pointing Slack at `base_url`/slack/events."""
    events_url = f"{base_url.rstrip('/')}/slack/events"
    endpoint = {} if socket_mode else {"request_url": events_url}
    return {
        "_metadata": {"major_version": 1, "minor_version": 1},
        "display_information": {
            "name": "Seatkeeper",
            "description": "Request software, approve seats and reclaim idle ones from Slack.",
            "background_color": "#2c4a6e",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "Seatkeeper", "always_online": True},
            "slash_commands": [
                {
                    "command": "/license",
                    **({} if socket_mode else {"url": events_url}),
                    "description": "Request software or see your requests",
                    "usage_hint": "[request <app> | mine | digest | help]",
                    "should_escape": False,
                }
            ],
        },
        "oauth_config": {"scopes": {"bot": BOT_SCOPES}},
        "settings": {
            # message.im: people who write to the bot in its Messages tab get an answer.
            "event_subscriptions": {**endpoint, "bot_events": ["app_home_opened", "message.im"]},
            "interactivity": {"is_enabled": True, **endpoint},
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(base_url: str = PLACEHOLDER_URL, *, socket_mode: bool = False) -> str:
    """The manifest as YAML, ready to paste into Slack's app configuration page."""
    header = "# Slack app manifest for Seatkeeper: https://api.slack.com/apps → Create New App.\n"
    body = yaml.safe_dump(manifest(base_url, socket_mode=socket_mode), sort_keys=False)
    return header + body
