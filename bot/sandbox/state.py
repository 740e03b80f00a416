"""What one person sees in the sandbox, as JSON for the page: their DM with the app (threads
included), the channels the app posts in, their Home tab and open modal, the messages only
they see, and beside it the clock, what Slack would refuse and the would-be vendor calls."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from bot.sandbox.elements import with_block_ids
from bot.sandbox.player import BOT_NAME, Member, Sandbox

VendorCallList = Callable[[], Sequence[object]]


def people(sandbox: Sandbox) -> list[dict[str, str]]:
    """Everyone who can use the sandbox, by name."""
    members = sorted(sandbox.members.values(), key=lambda m: m.name.lower())
    return [_person(member) for member in members]


def state_for(
    sandbox: Sandbox, user_id: str, vendor_calls: VendorCallList | None = None
) -> dict[str, Any]:
    """Everything `user_id` sees now."""
    me = sandbox.member(user_id)
    surfaces = sandbox.surfaces
    version = surfaces.version
    dm = sandbox.dm(user_id)
    conversations = [{"id": dm, "kind": "dm", "name": BOT_NAME}] + [
        {"id": c.id, "kind": "channel", "name": c.name} for c in sandbox.channels
    ]
    return {
        "version": version,
        "me": _person(me) | {"dm": dm},
        "now": sandbox.clock.now().isoformat(),
        "ahead_seconds": _ahead(sandbox),
        "conversations": conversations,
        "messages": {c["id"]: _threads(sandbox, c["id"]) for c in conversations},
        "ephemerals": [
            {
                "id": e.id,
                "channel": e.channel,
                "thread_ts": e.thread_ts,
                "text": e.text,
                "blocks": with_block_ids(e.blocks, f"ephemeral/{e.id}"),
                "posted_at": e.posted_at.isoformat(),
            }
            for e in list(surfaces.ephemerals)
            if e.user == user_id
        ],
        "home": _view(sandbox.workspace.home_view(user_id)),
        "modal": _modal(sandbox, user_id),
        "names": _names(sandbox),
        "problems": [
            {"where": p.where, "error": p.error, "details": list(p.details)}
            for p in reversed(surfaces.problems)
        ],
        "vendor_calls": None if vendor_calls is None else [_call(c) for c in vendor_calls()],
    }


def _person(member: Member) -> dict[str, str]:
    return {"id": member.id, "name": member.name, "title": member.title, "tz": member.tz}


def _ahead(sandbox: Sandbox) -> float:
    return (sandbox.clock.now() - dt.datetime.now(dt.UTC)).total_seconds()


def _threads(sandbox: Sandbox, channel: str) -> list[dict[str, Any]]:
    """The channel's messages, oldest first, each root with its replies under it."""
    posted = sandbox.surfaces.posted_at
    roots: list[dict[str, Any]] = []
    replies: dict[str, list[dict[str, Any]]] = {}
    for message in sandbox.workspace.messages(channel):
        when = posted.get((channel, message["ts"]))
        shown = {
            "ts": message["ts"],
            "text": message.get("text") or "",
            "blocks": with_block_ids(message.get("blocks") or [], f"{channel}/{message['ts']}"),
            "edited": "edited" in message,
            "posted_at": when.isoformat() if when else None,
            "replies": [],
        }
        thread = message.get("thread_ts")
        if thread and thread != message["ts"]:
            replies.setdefault(thread, []).append(shown)
        else:
            roots.append(shown)
    for root in roots:
        root["replies"] = replies.get(root["ts"], [])
    return roots


def _view(view: dict[str, Any] | None) -> dict[str, Any] | None:
    if view is None:
        return None
    shown = {k: view.get(k) for k in ("id", "type", "title", "submit", "close", "hash")}
    return shown | {"blocks": with_block_ids(view.get("blocks") or [], str(view["id"]))}


def _modal(sandbox: Sandbox, user_id: str) -> dict[str, Any] | None:
    view_id = sandbox.surfaces.top_modal(user_id)
    view = sandbox.workspace.views.get(view_id) if view_id else None
    shown = _view(view)
    if shown is None:
        return None
    return shown | {"errors": dict(sandbox.surfaces.errors.get(shown["id"], {}))}


def _names(sandbox: Sandbox) -> dict[str, str]:
    """How mentions are shown: people by name, channels by theirs, the app by its own."""
    names = {m.id: m.name for m in sandbox.members.values()}
    names |= {c.id: c.name for c in sandbox.channels}
    return names | {sandbox.workspace.bot_user_id: BOT_NAME}


def _call(call: object) -> dict[str, str]:
    """A would-be vendor call as labelled text, whatever its fields."""
    if dataclasses.is_dataclass(call) and not isinstance(call, type):
        fields = dataclasses.asdict(call)
    else:
        fields = dict(getattr(call, "__dict__", {})) or {"call": call}
    return {str(k): _text(v) for k, v in fields.items() if v is not None}


def _text(value: object) -> str:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)
