"""What the sandbox shows besides the workspace's messages and views: ephemeral messages, the
modals each person has open (and their field errors), the response URLs it handed out, and
what Slack would have refused. One counter says when anything changed, for the page's
long poll.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Any

RESPONSE_URL_USES = 5  # Slack's: a response_url works 5 times within 30 minutes
RESPONSE_URL_SECONDS = 30 * 60
MAX_PROBLEMS = 200


@dataclass
class Ephemeral:
    """A message only `user` sees, in `channel` (a command's answer, chat.postEphemeral)."""

    id: int
    user: str
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    posted_at: dt.datetime
    thread_ts: str | None = None


@dataclass
class ResponseTarget:
    """Where a response_url's messages go: to `user` in `channel`, replacing the ephemeral
    message or the channel message the interaction came from when asked to."""

    user: str
    channel: str
    issued: float = field(default_factory=time.monotonic)
    uses: int = 0
    ephemeral: int | None = None
    message_ts: str | None = None


@dataclass(frozen=True)
class Problem:
    """Something Slack would refuse or show as an error, and why."""

    where: str
    error: str
    details: tuple[str, ...] = ()
    at: float = field(default_factory=time.time)


class Surfaces:
    """The sandbox's own state; every change bumps `version`."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self.version = 0
        self.ephemerals: list[Ephemeral] = []
        self.modals: dict[str, list[str]] = {}  # user -> view ids, the top one last
        self.errors: dict[str, dict[str, str]] = {}  # view id -> block id -> error
        self.triggers: dict[str, str] = {}  # trigger id -> the user it was issued for
        self.responses: dict[str, ResponseTarget] = {}
        self.problems: list[Problem] = []
        self.posted_at: dict[tuple[str, str], dt.datetime] = {}  # (channel, ts) -> app time

    def touch(self) -> None:
        """Something changed: pages waiting for news are answered."""
        with self._lock:
            self.version += 1

    def add_ephemeral(
        self,
        user: str,
        channel: str,
        message: dict[str, Any],
        posted_at: dt.datetime,
        thread_ts: str | None = None,
    ) -> Ephemeral:
        """Show `message` (text, blocks) to `user` alone, in `channel`."""
        with self._lock:
            shown = Ephemeral(
                next(self._ids),
                user,
                channel,
                str(message.get("text") or ""),
                list(message.get("blocks") or []),
                posted_at,
                thread_ts,
            )
            self.ephemerals.append(shown)
            self.touch()
            return shown

    def ephemeral(self, ephemeral_id: int) -> Ephemeral | None:
        """The ephemeral message with this id, if it is still shown."""
        with self._lock:
            return next((e for e in self.ephemerals if e.id == ephemeral_id), None)

    def remove_ephemeral(self, ephemeral_id: int) -> None:
        """Stop showing an ephemeral message (its response_url deleted it)."""
        with self._lock:
            self.ephemerals = [e for e in self.ephemerals if e.id != ephemeral_id]
            self.touch()

    def open_modal(self, user: str, view_id: str) -> None:
        """`user` now sees the modal `view_id` on top of any already open."""
        with self._lock:
            stack = self.modals.setdefault(user, [])
            if view_id not in stack:
                stack.append(view_id)
            self.touch()

    def top_modal(self, user: str) -> str | None:
        """The modal `user` sees, if any."""
        with self._lock:
            stack = self.modals.get(user) or []
            return stack[-1] if stack else None

    def close_modal(self, user: str, view_id: str, *, all_views: bool = False) -> None:
        """Close `view_id` (and, with `all_views`, every modal `user` has open)."""
        with self._lock:
            stack = self.modals.get(user) or []
            self.modals[user] = [] if all_views else [v for v in stack if v != view_id]
            self.errors.pop(view_id, None)
            self.touch()

    def replace_modal(self, user: str, old: str, new: str) -> None:
        """The modal `old` was replaced by `new` (a `response_action: update` or `push`)."""
        with self._lock:
            stack = self.modals.setdefault(user, [])
            self.modals[user] = [new if v == old else v for v in stack]
            if new not in self.modals[user]:
                self.modals[user].append(new)
            self.errors.pop(old, None)
            self.touch()

    def set_errors(self, view_id: str, errors: dict[str, str]) -> None:
        """Field errors the app answered a submission with, by block id."""
        with self._lock:
            self.errors[view_id] = dict(errors)
            self.touch()

    def issue_response_url(self, target: ResponseTarget) -> str:
        """A new response_url id for `target`."""
        with self._lock:
            response_id = f"R{next(self._ids):06d}"
            self.responses[response_id] = target
            return response_id

    def use_response_url(self, response_id: str) -> ResponseTarget | None:
        """The target of a response_url, counting this use; None once it no longer works."""
        with self._lock:
            target = self.responses.get(response_id)
            if target is None:
                return None
            fresh = time.monotonic() - target.issued <= RESPONSE_URL_SECONDS
            if not fresh or target.uses >= RESPONSE_URL_USES:
                return None
            target.uses += 1
            return target

    def refuse(self, where: str, error: str, details: list[str] | tuple[str, ...] = ()) -> None:
        """Record something Slack would refuse (the newest `MAX_PROBLEMS` are kept)."""
        with self._lock:
            self.problems.append(Problem(where, error, tuple(details)))
            del self.problems[:-MAX_PROBLEMS]
            self.touch()
