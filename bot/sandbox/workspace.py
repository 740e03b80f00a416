"""A Slack workspace as the Web API shows it: the methods Seatkeeper calls, answered as Slack
answers them, with the people, conversations and views they change.

It answers like Slack: HTTP 200 with `ok: false` for ordinary errors, HTTP 429 with
`Retry-After` when told to or over a limit set with `limit`, `not_authed`/`invalid_auth` for
token problems, and it refuses messages and views that break Block Kit or Slack's limits
(recording why in `invalid`). When it fails itself on a call, it answers HTTP 500 with the
error's text (and records the call with that error), so the caller says why. `LocalSlack`
(`bot.sandbox.local`) serves it on a loopback port; the browser sandbox serves it too.
The members' methods (users.*, and for an admin's user token team.billableInfo and
team.accessLogs) are `bot.sandbox.members`'.
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.sandbox.blockkit import validate_message, validate_view
from bot.sandbox.loopback import failure
from bot.sandbox.members import USER_TOKEN_ONLY, Members, Refused
from bot.sandbox.rate_limits import Early, Limits

TRIGGER_TTL_SECONDS = 3.0
Reply = tuple[int, dict[str, Any], dict[str, str]]  # HTTP status, JSON body, extra headers


@dataclass(frozen=True)
class Call:
    """One request the fake received: decoded params (no token) and the error it answered."""

    method: str
    params: dict[str, Any]
    error: str | None = None
    via: str = ""  # the path before /api/ in the caller's base URL, to tell callers apart
    verb: str = "POST"  # the HTTP method it came with
    token_in: str = "header"  # where the token came: "header" (Bearer), "params" or ""


class SlackWorkspace:
    """The Slack Web API methods Seatkeeper uses, answered from the workspace's state."""

    def __init__(
        self,
        token: str = "xoxb-test-token",
        team_id: str = "T0TEAM001",
        bot_user_id: str = "U0BOT0001",
        *,
        bot_id: str = "B0BOT0001",
        app_id: str = "A0APP0001",
        team_name: str = "Seatkeeper Test",
        user_token: str | None = None,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token, self.team_id, self.bot_user_id = token, team_id, bot_user_id
        self.user_token = user_token  # an admin's user token (xoxp-), for the admin methods
        self.bot_id, self.app_id, self.team_name = bot_id, app_id, team_name
        self._now = now
        self._lock = threading.RLock()
        self._seq = itertools.count(1)
        self.calls: list[Call] = []
        self.invalid: list[tuple[str, list[str]]] = []
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}  # view id -> current view
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}  # (channel, ts) -> message
        self.members = Members(team_id)  # users.*, team.billableInfo and team.accessLogs
        self._triggers: dict[str, float | None] = {}  # trigger id -> issued at, None once used
        self._failures: dict[str, deque[tuple[int, int, str | None]]] = defaultdict(deque)
        self._drops: dict[str, int] = defaultdict(int)
        self._limits = Limits()
        self._outside: dict[str, str] = {}  # channel -> the error reading it gives
        self._handlers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "conversations.open": self._conversations_open,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "chat.postEphemeral": self._post_ephemeral,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "views.update": self._views_update,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
        } | self.members.handlers()
        # Called with each carried-out call before its answer is sent: a test can stop the
        # caller there (kill the app after Slack took a message) or drop this answer.
        self.before_reply: Callable[[Call], None] | None = None

    # --- lifecycle -------------------------------------------------------------------

    @property
    def methods(self) -> list[str]:
        """The Web API methods this fake serves."""
        return sorted(self._handlers)

    # --- controls ---------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        email: str | None,
        name: str = "",
        tz: str = "Europe/London",
        is_bot: bool = False,
        deleted: bool = False,
        billable: bool | None = None,
    ) -> dict[str, Any]:
        """Add a workspace member (`email` None: one whose email the token cannot read);
        Slack bills for them when `billable`, by default a person not deactivated."""
        name = name or (email.split("@")[0] if email else user_id.lower())
        with self._lock:
            return self.members.add(
                user_id, email, name, tz, is_bot=is_bot, deleted=deleted, billable=billable
            )

    def log_access(self, user_id: str, *at: int) -> None:
        """`user_id` used Slack at each epoch second in `at` (rows of team.accessLogs)."""
        with self._lock:
            self.members.log_access(user_id, *at)

    def new_trigger_id(self) -> str:
        """Issue a trigger id that views.open accepts once, within 3 seconds."""
        with self._lock:
            trigger = f"{next(self._seq)}.{secrets.randbelow(10**10)}.{secrets.token_hex(16)}"
            self._triggers[trigger] = self._now()
            return trigger

    def fail_next(
        self, method: str, *, status: int = 429, retry_after: int = 1, error: str | None = None
    ) -> None:
        """Make the next call to `method` fail: HTTP `status` (429 adds Retry-After) or,
        with `error`, HTTP 200 `{"ok": false, "error": error}`. Calls queue up."""
        with self._lock:
            self._failures[method].append((status, retry_after, error))

    def limit(
        self, method: str, *, calls: int, per_seconds: float = 60.0, per_channel: bool = False
    ) -> None:
        """Refuse calls to `method` beyond `calls` in any `per_seconds` of the fake's `now`
        clock (a sliding window of the calls let through), as Slack does: HTTP 429, error
        `ratelimited`, not carried out, and `Retry-After` the whole seconds (at least 1) until
        the window has room. `per_channel` limits each channel on its own (Slack's message a
        second in a channel). A later `limit` on the method replaces this one."""
        with self._lock:
            self._limits.set(method, calls, per_seconds, per_channel=per_channel)

    @property
    def early(self) -> list[Early]:
        """Calls that came after a 429 told callers of their method (or channel) to wait, before
        its Retry-After had passed: each one a caller that did not honour it."""
        with self._lock:
            return list(self._limits.early)

    def keep_out(self, channel: str, error: str = "not_in_channel") -> None:
        """The bot is not a member of `channel`: reading its history answers `error`."""
        with self._lock:
            self._outside[channel] = error

    def drop_answer_to_next(self, method: str) -> None:
        """Carry out the next call to `method`, then close the connection without answering
        (Slack took the message; the caller never hears so). Calls queue up."""
        with self._lock:
            self._drops[method] += 1

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        """The params of every call to `method`, oldest first (failed calls included)."""
        with self._lock:
            return [call.params for call in self.calls if call.method == method]

    def messages(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Posted messages as they are now (after updates), oldest first."""
        with self._lock:
            found = [m for (ch, _), m in self._messages.items() if channel in (None, ch)]
            return [dict(m) for m in sorted(found, key=lambda m: m["ts"])]

    def home_view(self, user_id: str) -> dict[str, Any] | None:
        """The Home tab last published for `user_id`, if any."""
        with self._lock:
            homes = [v for v in self.views.values() if v.get("_user_id") == user_id]
            return _public(homes[-1]) if homes else None

    def reset_calls(self) -> None:
        """Forget recorded calls and invalid payloads (state such as messages stays)."""
        with self._lock:
            self.calls.clear()
            self.invalid.clear()

    # --- dispatch --------------------------------------------------------------------

    def handle(
        self,
        method: str,
        params: dict[str, Any],
        token: str | None,
        via: str = "",
        *,
        verb: str = "POST",
        token_in: str = "header",
    ) -> Reply:
        """Answer one API call as Slack would (`via`, `verb` and `token_in`: for the record)."""
        arrived = self._now()  # before waiting for the lock: an answer given meanwhile is news
        with self._lock:
            try:
                status, body, headers = self._answer(method, params, token, arrived)
            except Exception as broken:  # recorded and answered, so the caller says why
                status, body, headers = 500, failure(broken), {}
            error = None if body.get("ok") else str(body.get("error"))
            call = Call(method, params, error, via, verb, token_in if token else "")
            self.calls.append(call)
        if self.before_reply is not None:
            self.before_reply(call)
        with self._lock:
            dropped = self._drops[method] > 0
            self._drops[method] -= dropped
        if dropped:
            raise AnswerDropped(method)
        return status, body, headers

    def _answer(
        self, method: str, params: dict[str, Any], token: str | None, arrived: float
    ) -> Reply:
        if method not in self._handlers:
            return 200, refusal("unknown_method"), {}
        if not token:
            return 200, refusal("not_authed"), {}
        if token not in (self.token, self.user_token):
            return 200, refusal("invalid_auth"), {}
        if token == self.token and method in USER_TOKEN_ONLY:
            return 200, dict(USER_TOKEN_ONLY[method]), {}
        now = self._now()
        channel = str(params.get("channel") or "")
        channel = _dm_id(channel) if channel[:1] in ("U", "W") else channel
        wait = self._limits.admit(method, channel, arrived, now)
        if wait is not None:
            return _ratelimited(wait)
        if self._failures[method]:
            status, retry_after, error = self._failures[method].popleft()
            if error is not None:
                return 200, refusal(error), {}
            if status == 429:
                self._limits.refused(method, now, retry_after)
                return _ratelimited(retry_after)
            return status, refusal("fatal_error"), {}
        try:
            return 200, {"ok": True, **self._handlers[method](params)}, {}
        except _SlackError as refused:
            return 200, refused.body, {}
        except Refused as refused:
            return 200, refusal(str(refused)), {}

    # --- methods ---------------------------------------------------------------------

    def _auth_test(self, _: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "https://seatkeeper-test.slack.com/",
            "team": self.team_name,
            "user": "seatkeeper",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "is_enterprise_install": False,
        }

    def _conversations_open(self, params: dict[str, Any]) -> dict[str, Any]:
        users = [u for u in str(params.get("users", "")).split(",") if u]
        if not users:
            raise _SlackError("users_list_not_supplied")
        for user_id in users:
            if self.members.users.get(user_id, {}).get("deleted"):
                raise _SlackError("user_disabled")
        channel = _dm_id(users[0]) if len(users) == 1 else "G" + "".join(u[1:] for u in users)
        return {"channel": {"id": channel}, "no_op": True, "already_open": True}

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if not channel:
            raise _SlackError("channel_not_found")
        self._check_message("chat.postMessage", params)
        channel = _dm_id(channel) if channel[:1] in ("U", "W") else channel
        ts = self._next_ts()
        message = self._message(params, ts) | {"channel": channel}
        self._messages[(channel, ts)] = message
        return {"channel": channel, "ts": ts, "message": _public(message)}

    def _update(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (str(params.get("channel", "")), str(params.get("ts", "")))
        if key not in self._messages:
            raise _SlackError("message_not_found")
        current = self._messages[key]
        params = {"blocks": current["blocks"]} | params  # omitted blocks are kept
        self._check_message("chat.update", params)
        edited = {"user": self.bot_user_id, "ts": self._next_ts()}
        current.update(text=params["text"], blocks=params["blocks"], edited=edited)
        return {
            "channel": key[0],
            "ts": key[1],
            "text": params["text"],
            "message": _public(current),
        }

    def _post_ephemeral(self, params: dict[str, Any]) -> dict[str, Any]:
        if not params.get("channel"):
            raise _SlackError("channel_not_found")
        if not params.get("user"):
            raise _SlackError("user_not_in_channel")
        self._check_message("chat.postEphemeral", params)
        ts = self._next_ts()
        self.ephemerals.append(
            self._message(params, ts) | {"channel": params["channel"], "user": params["user"]}
        )
        return {"message_ts": ts}

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        trigger = str(params.get("trigger_id", ""))
        issued = self._triggers.get(trigger)
        if issued is None:
            raise _SlackError("invalid_trigger_id")
        if self._now() - issued > TRIGGER_TTL_SECONDS:
            raise _SlackError("expired_trigger_id")
        view = self._check_view("views.open", params, kind="modal")
        self._triggers[trigger] = None
        return {"view": self._store_view(view, f"V{next(self._seq):08d}")}

    def _views_publish(self, params: dict[str, Any]) -> dict[str, Any]:
        user_id = str(params.get("user_id", ""))
        if not user_id:
            raise _SlackError("invalid_arguments")
        view = self._check_view("views.publish", params, kind="home")
        current = self.home_view(user_id)
        _check_hash(params, current)
        view_id = current["id"] if current else f"V{next(self._seq):08d}"
        return {"view": self._store_view(view | {"_user_id": user_id}, view_id)}

    def _views_update(self, params: dict[str, Any]) -> dict[str, Any]:
        view_id, external_id = params.get("view_id"), params.get("external_id")
        if not (view_id or external_id):
            raise _SlackError("invalid_arguments")
        current = next(
            (
                v
                for v in self.views.values()
                if v["id"] == view_id or (external_id and v.get("external_id") == external_id)
            ),
            None,
        )
        if current is None:
            raise _SlackError("not_found")
        _check_hash(params, current)
        view = self._check_view("views.update", params, kind=current["type"])
        view["_user_id"] = current.get("_user_id")
        return {"view": self._store_view(view, current["id"])}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if channel in self._outside:
            raise _SlackError(self._outside[channel])
        found = [m for (ch, _), m in self._messages.items() if ch == channel]
        roots = [m for m in found if m.get("thread_ts") in (None, m["ts"])]
        return self._page(sorted(roots, key=lambda m: m["ts"], reverse=True), params)

    def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(params.get("channel") or ""), str(params.get("ts") or "")
        if (channel, ts) not in self._messages:
            raise _SlackError("thread_not_found")
        found = [
            m
            for (ch, _), m in self._messages.items()
            if ch == channel and (m["ts"] == ts or m.get("thread_ts") == ts)
        ]
        return self._page(sorted(found, key=lambda m: m["ts"]), params)

    def _page(self, messages: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
        """One page of `messages` (cursor = offset), metadata only when asked for."""
        start = int(params.get("cursor") or 0)
        limit = min(int(params.get("limit") or 100), 999)
        page = messages[start : start + limit]
        with_metadata = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        shown = [
            {k: v for k, v in _public(m).items() if k != "metadata" or with_metadata} for m in page
        ]
        more = start + limit < len(messages)
        return {
            "messages": shown,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    # --- helpers ---------------------------------------------------------------------

    def _check_message(self, method: str, params: dict[str, Any]) -> None:
        errors = validate_message({"text": params.get("text"), "blocks": params.get("blocks")})
        if not errors:
            return
        self.invalid.append((method, errors))
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise _SlackError("no_text", errors)
        if any(e.startswith("text:") for e in errors):
            raise _SlackError("msg_too_long", errors)
        raise _SlackError("invalid_blocks", errors)

    def _check_view(self, method: str, params: dict[str, Any], *, kind: str) -> dict[str, Any]:
        view = params.get("view")
        errors = validate_view(view)
        if not errors and isinstance(view, dict) and view["type"] != kind:
            errors = [f"type: {method} needs a {kind} view, not {view['type']!r}"]
        if errors or not isinstance(view, dict):
            self.invalid.append((method, errors))
            raise _SlackError("invalid_blocks", errors)
        return dict(view)

    def _store_view(self, view: dict[str, Any], view_id: str) -> dict[str, Any]:
        external_id = view.get("external_id")
        if external_id and any(
            v.get("external_id") == external_id and v["id"] != view_id for v in self.views.values()
        ):
            raise _SlackError("duplicate_external_id")
        stored = {
            "id": view_id,
            "team_id": self.team_id,
            "state": {"values": {}},
            "hash": f"{next(self._seq)}.{secrets.token_hex(6)}",
            "private_metadata": "",
            "callback_id": "",
            "external_id": "",
            "root_view_id": view_id,
            "previous_view_id": None,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
        } | view
        self.views[view_id] = stored
        return _public(stored)

    def _message(self, params: dict[str, Any], ts: str) -> dict[str, Any]:
        return {
            "type": "message",
            "ts": ts,
            "thread_ts": params.get("thread_ts"),
            "text": params.get("text"),
            "blocks": params.get("blocks") or [],
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
        } | ({"metadata": params["metadata"]} if params.get("metadata") else {})

    def _next_ts(self) -> str:
        micros = next(self._seq) * 100  # unique, increasing, fixed width like Slack's ts
        return f"{1_700_000_000 + micros // 1_000_000}.{micros % 1_000_000:06d}"


class AnswerDropped(Exception):
    """The call was carried out; its answer is never sent (the connection just closes)."""


class _SlackError(Exception):
    def __init__(self, error: str, errors: list[str] | None = None) -> None:
        super().__init__(error)
        self.body = refusal(error) | ({"errors": errors} if errors else {})


def refusal(error: str) -> dict[str, Any]:
    """The body of an ordinary Web API error: `ok: false` and its code."""
    return {"ok": False, "error": error}


def _ratelimited(retry_after: int) -> Reply:
    return 429, refusal("ratelimited"), {"Retry-After": str(retry_after)}


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_") and k != "channel"}


def _dm_id(user_id: str) -> str:
    return "D" + user_id[1:]


def _check_hash(params: dict[str, Any], current: dict[str, Any] | None) -> None:
    if params.get("hash") and current is not None and params["hash"] != current["hash"]:
        raise _SlackError("hash_conflict")
