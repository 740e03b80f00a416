"""What people see in the fake Slack, in a form two runs of a journey can be compared in."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.local import LocalSlack
from messages import ids
from tests.fakes.slack_requests import button_value
from tests.scenario.world import APPROVALS_CHANNEL, IT_CHANNEL, PEOPLE

BUTTONS = (ids.STEP_APPROVE, ids.STEP_DENY, ids.TASK_DONE)
_DATE = re.compile(r"<!date\^\d+\^[^|>]*\|[^>]*>")
Conversations = dict[str, list[tuple[str, list[str], bool]]]


def conversations(slack: LocalSlack) -> Conversations:
    """Per channel: each root's text, its replies' texts, and whether it still has buttons."""
    channels = [dm(p["slack_user_id"]) for p in PEOPLE] + [IT_CHANNEL, APPROVALS_CHANNEL]
    seen: Conversations = {}
    for channel in channels:
        messages = slack.messages(channel)
        seen[channel] = [
            (
                _plain(root["text"]),
                [_plain(m["text"]) for m in messages if m.get("thread_ts") == root["ts"]],
                live(root),
            )
            for root in messages
            if not root.get("thread_ts")
        ]
    return seen


def live(message: dict[str, Any]) -> bool:
    """True while the message still has a button someone could click."""
    return any(button_value(message, action) is not None for action in BUTTONS)


def dm(user: str) -> str:
    """The id of the bot's DM with `user` in the fake Slack."""
    return f"D{user[1:]}"


def _plain(text: str) -> str:
    """Text without Slack dates, which show the moment a run happened to reach them."""
    return _DATE.sub("<date>", text)
