"""Slack posts that happen once, even when the job that makes them runs again after a crash.

A process can die after Slack took a message and before the database recorded it; the job then
runs again. Each post carries a marker in its message `metadata` (one per job and recipient), and
a job that has been started before looks for its marker in the conversation (or thread) before
posting again. A first run never pays for the lookup.

The lookup needs the history scopes (`im:history`, `channels:history`, `groups:history`); without
them, or past the newest few hundred messages, a recovering job posts again rather than lose
the message.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)
EVENT_TYPE = "seatkeeper_post"
PAGE = 200
PAGES = 3  # a recovering job looks this far back: its post, if any, is among the newest


class Poster:
    """`chat.postMessage` with a marker; `recovering` looks for the marker before posting."""

    def __init__(self, slack: WebClient) -> None:
        self.slack = slack

    def post(
        self,
        marker: str,
        *,
        recovering: bool,
        channel: str,
        thread_ts: str | None = None,
        **message: Any,
    ) -> tuple[str, str]:
        """Post `message` unless a recovering job already did; return (channel, ts)."""
        if recovering:
            found = self.find(marker, channel, thread_ts)
            if found is not None:
                log.info("post %s was already made before a restart; not repeating it", marker)
                return channel, found
        posted = self.slack.chat_postMessage(
            channel=channel,
            thread_ts=thread_ts or None,  # the SDK leaves out what is None; "" is no thread
            **message,
            metadata={"event_type": EVENT_TYPE, "event_payload": {"marker": marker}},
        )
        return posted["channel"], posted["ts"]

    def find(self, marker: str, channel: str, thread_ts: str | None = None) -> str | None:
        """The ts of the message carrying `marker` in the channel (or thread), if found."""
        try:
            for message in self._recent(channel, thread_ts):
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == EVENT_TYPE and payload.get("marker") == marker:
                    return str(message["ts"])
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else None
            log.warning(
                "cannot look for post %s in %s (%s); posting it again to be sure it arrives",
                marker,
                channel,
                error,
            )
        return None

    def _recent(self, channel: str, thread_ts: str | None) -> Iterator[dict[str, Any]]:
        cursor = None
        for _ in range(PAGES):
            page: dict[str, Any] = {"limit": PAGE, "include_all_metadata": True}
            if cursor:
                page["cursor"] = cursor
            if thread_ts:
                answer = self.slack.conversations_replies(channel=channel, ts=thread_ts, **page)
            else:
                answer = self.slack.conversations_history(channel=channel, **page)
            yield from answer.get("messages") or []
            cursor = (answer.get("response_metadata") or {}).get("next_cursor")
            if not answer.get("has_more") or not cursor:
                return
