"""The sandbox plays Slack for the app: people's commands, clicks and submits become signed
requests to the app's `POST /slack/events`, and the app's Web API calls and response_url
posts are answered from the workspace.

The app cannot tell it from Slack: it is configured with the sandbox's URL as `SLACK_API_URL`
and the signing secret the sandbox made up, and nothing else.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from bot.sandbox import deliveries, elements
from bot.sandbox.deliveries import Delivery, Team
from bot.sandbox.elements import Refusal
from bot.sandbox.surfaces import ResponseTarget, Surfaces
from bot.sandbox.workspace import Reply, SlackWorkspace
from workflows.ports import Clock

ACK_SECONDS = 3.0  # Slack shows the person an error when the app takes longer to answer
READS = frozenset(
    {
        "auth.test",
        "users.info",
        "users.lookupByEmail",
        "conversations.open",
        "conversations.history",
        "conversations.replies",
    }
)
COMMANDS = ("/license",)  # the app manifest's slash commands
BOT_NAME = "Seatkeeper"


@dataclass(frozen=True)
class Member:
    """A person in the sandbox's workspace."""

    id: str
    name: str
    email: str
    tz: str = "Europe/London"
    title: str = ""

    @property
    def username(self) -> str:
        return self.email.split("@")[0]


@dataclass(frozen=True)
class Channel:
    """A channel the app posts in, shown to everyone."""

    id: str
    name: str


class Sandbox:
    """The workspace, the people in it, and the way to the app."""

    def __init__(
        self,
        workspace: SlackWorkspace,
        *,
        signing_secret: str,
        base_url: str,
        clock: Clock,
        channels: list[Channel],
    ) -> None:
        self.workspace = workspace
        self.signing_secret = signing_secret
        self.base_url = base_url.rstrip("/")  # where the app and the sandbox are served
        self.clock = clock
        self.channels = channels
        self.surfaces = Surfaces()
        self.members: dict[str, Member] = {}
        self.team = Team(
            team_id=workspace.team_id,
            domain="seatkeeper-sandbox",
            app_id=workspace.app_id,
            bot_user_id=workspace.bot_user_id,
            bot_id=workspace.bot_id,
        )

    @property
    def api_url(self) -> str:
        """The app's `SLACK_API_URL`."""
        return f"{self.base_url}/sandbox/slack/api/"

    @property
    def events_url(self) -> str:
        """The app's request URL, where Slack sends everything."""
        return f"{self.base_url}/slack/events"

    def add_member(self, member: Member) -> None:
        """Let `member` use the sandbox (and the app look them up)."""
        self.members[member.id] = member
        self.workspace.add_user(member.id, member.email, member.name, tz=member.tz)
        self.surfaces.touch()

    def member(self, user_id: str) -> Member:
        """The member with this id, or a Refusal."""
        member = self.members.get(user_id)
        if member is None:
            raise Refusal(f"{user_id!r} is not a person in this workspace")
        return member

    def dm(self, user_id: str) -> str:
        """The id of `user_id`'s DM with the app."""
        return "D" + user_id[1:]

    # --- the app's calls -----------------------------------------------------------------

    def web_api(self, method: str, params: dict[str, Any], token: str | None) -> Reply:
        """Answer one Web API call from the app, and show what it changed."""
        status, body, headers = self.workspace.handle(method, params, token)
        if body.get("ok"):
            self._after(method, params, body)
        else:
            self.surfaces.refuse(method, str(body.get("error")), body.get("errors") or [])
        if method not in READS:
            self.surfaces.touch()
        return status, body, headers

    def _after(self, method: str, params: dict[str, Any], body: dict[str, Any]) -> None:
        surfaces = self.surfaces
        if method == "chat.postMessage":
            surfaces.posted_at[(body["channel"], body["ts"])] = self.clock.now()
        elif method == "chat.postEphemeral":
            user, channel = str(params["user"]), str(params["channel"])
            thread = params.get("thread_ts")
            surfaces.add_ephemeral(user, channel, params, self.clock.now(), thread)
        elif method == "views.open":
            opener = surfaces.triggers.get(str(params.get("trigger_id")))
            if opener is not None:
                surfaces.open_modal(opener, body["view"]["id"])
        elif method == "views.update":
            surfaces.errors.pop(body["view"]["id"], None)

    def respond(self, response_id: str, message: dict[str, Any]) -> tuple[int, str]:
        """A post to a response_url the sandbox handed out: the HTTP status and body text."""
        target = self.surfaces.use_response_url(response_id)
        if target is None:
            self.surfaces.refuse("response_url", "expired_url")
            return 404, "expired_url"
        problems = elements.message_problems(message)
        if problems:
            self.surfaces.refuse("response_url", "invalid_blocks", problems)
            return 400, "invalid_blocks"
        if message.get("delete_original"):
            if target.ephemeral is not None:
                self.surfaces.remove_ephemeral(target.ephemeral)
            return 200, "ok"
        if message.get("replace_original") and target.ephemeral is not None:
            self._replace_ephemeral(target, message)
            return 200, "ok"
        if message.get("replace_original") and target.message_ts is not None:
            update = {"channel": target.channel, "ts": target.message_ts}
            return self._as_bot("chat.update", update | elements.content(message))
        if message.get("response_type") == "in_channel":
            post = {"channel": target.channel} | elements.content(message)
            return self._as_bot("chat.postMessage", post)
        self.surfaces.add_ephemeral(target.user, target.channel, message, self.clock.now())
        return 200, "ok"

    def _replace_ephemeral(self, target: ResponseTarget, message: dict[str, Any]) -> None:
        shown = self.surfaces.ephemeral(target.ephemeral or 0)
        if shown is not None:
            shown.text = str(message.get("text") or "")
            shown.blocks = list(message.get("blocks") or [])
            self.surfaces.touch()

    def _as_bot(self, method: str, params: dict[str, Any]) -> tuple[int, str]:
        _, body, _ = self.web_api(method, params, self.workspace.token)
        return (200, "ok") if body.get("ok") else (400, str(body.get("error")))

    # --- what people do ------------------------------------------------------------------

    async def command(self, user_id: str, channel_id: str, text: str) -> None:
        """`user_id` typed `text` (a slash command) in the conversation `channel_id`."""
        member = self.member(user_id)
        command, _, rest = text.strip().partition(" ")
        if command not in COMMANDS:
            known = ", ".join(COMMANDS)
            raise Refusal(f"{command or text!r} is not a command this app has (try {known})")
        channel = {"id": channel_id, "name": self._channel_name(channel_id)}
        response_url = self._response_url(ResponseTarget(user_id, channel_id))
        delivery = deliveries.slash_command(
            self.team,
            {"id": member.id, "name": member.username},
            channel,
            command,
            rest.strip(),
            trigger_id=self._trigger(user_id),
            response_url=response_url,
        )
        answer = await self._deliver(delivery, "the slash command")
        if answer:
            self.surfaces.add_ephemeral(user_id, channel_id, answer, self.clock.now())

    async def act(
        self,
        user_id: str,
        source: dict[str, Any],
        block_id: str,
        action_id: str,
        value: str | None = None,
        values: dict[str, dict[str, str | None]] | None = None,
    ) -> None:
        """`user_id` clicked a button or chose an option (`value`) in a message or view."""
        member = self.member(user_id)
        where, blocks = self._source(user_id, source, values or {})
        element = elements.element(blocks, block_id, action_id)
        if element is None:
            raise Refusal(f"there is no {action_id!r} in that {source.get('type')}")
        action = elements.action(element, block_id, value)
        delivery = deliveries.block_actions(
            self.team,
            {"id": member.id, "name": member.username},
            action,
            trigger_id=self._trigger(user_id),
            where=where,
            state=where.get("view", {}).get("state", {}).get("values"),
        )
        await self._deliver(delivery, "the click")

    async def submit(
        self, user_id: str, view_id: str, values: dict[str, dict[str, str | None]]
    ) -> None:
        """`user_id` submitted the modal `view_id` with these field values."""
        member = self.member(user_id)
        view = self._modal(user_id, view_id, values)
        delivery = deliveries.view_submission(
            self.team,
            {"id": member.id, "name": member.username},
            view,
            trigger_id=self._trigger(user_id),
        )
        answer = await self._deliver(delivery, "the form")
        self._after_submit(user_id, view_id, answer or {})

    def close(self, user_id: str, view_id: str) -> None:
        """`user_id` closed the modal `view_id` (Cancel)."""
        self.surfaces.close_modal(user_id, view_id)

    async def open_home(self, user_id: str) -> None:
        """`user_id` opened the app's Home tab: Slack tells the app."""
        self.member(user_id)
        delivery = deliveries.app_home_opened(self.team, user_id, self.workspace.home_view(user_id))
        await self._deliver(delivery, "the app_home_opened event")

    def _after_submit(self, user_id: str, view_id: str, answer: dict[str, Any]) -> None:
        action = answer.get("response_action")
        if action == "errors":
            self.surfaces.set_errors(view_id, dict(answer.get("errors") or {}))
        elif action in ("update", "push"):
            view = answer.get("view")
            params = {"view_id": view_id, "view": view}
            if action == "push":
                params = {"trigger_id": self._trigger(user_id), "view": view}
            method = "views.update" if action == "update" else "views.open"
            _, body, _ = self.web_api(method, params, self.workspace.token)
            if body.get("ok") and action == "push":
                self.surfaces.open_modal(user_id, body["view"]["id"])
        else:
            self.surfaces.close_modal(user_id, view_id, all_views=action == "clear")

    async def _deliver(self, delivery: Delivery, what: str) -> dict[str, Any] | None:
        """Sign and post to the app; its answer's JSON (or text) when it said something."""
        headers = delivery.headers(self.signing_secret)
        started = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=30) as client:
                answer = await client.post(self.events_url, content=delivery.body, headers=headers)
        except httpx.HTTPError as failed:
            self.surfaces.refuse("/slack/events", "no answer", [f"{what}: {failed!r}"])
            raise Refusal(f"the app did not answer {what}: {failed}") from failed
        took = time.monotonic() - started
        if took > ACK_SECONDS:
            detail = f"{what} took {took:.1f} s; Slack shows an error after {ACK_SECONDS:.0f} s"
            self.surfaces.refuse("/slack/events", "slow acknowledgement", [detail])
        if answer.status_code != 200:
            detail = f"{what}: HTTP {answer.status_code} {answer.text[:200]}"
            self.surfaces.refuse("/slack/events", "refused", [detail])
            raise Refusal(f"the app answered HTTP {answer.status_code} to {what}")
        self.surfaces.touch()
        return elements.answer_body(answer)

    def _trigger(self, user_id: str) -> str:
        trigger = self.workspace.new_trigger_id()
        self.surfaces.triggers[trigger] = user_id
        return trigger

    def _response_url(self, target: ResponseTarget) -> str:
        response_id = self.surfaces.issue_response_url(target)
        return f"{self.base_url}/sandbox/slack/response/{response_id}"

    def _channel_name(self, channel_id: str) -> str:
        if channel_id.startswith("D"):
            return "directmessage"
        return next((c.name for c in self.channels if c.id == channel_id), channel_id)

    def _source(
        self, user_id: str, source: dict[str, Any], values: dict[str, dict[str, str | None]]
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Slack's `container` (and what goes with it) for where the person acted, and the
        blocks that hold the element."""
        kind = source.get("type")
        if kind == "view":
            view = self._view(user_id, str(source.get("view_id")), values)
            container = {"type": "view", "view_id": view["id"]}
            return {"container": container, "view": deliveries.shown_view(self.team, view)}, view[
                "blocks"
            ]
        if kind == "ephemeral":
            return self._ephemeral_source(user_id, int(source.get("id") or 0))
        if kind == "message":
            return self._message_source(user_id, str(source.get("channel")), str(source.get("ts")))
        raise Refusal(f"unknown source {kind!r}")

    def _message_source(
        self, user_id: str, channel: str, ts: str
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        if channel.startswith("D") and channel != self.dm(user_id):
            raise Refusal("that message is in someone else's DM")
        found = next((m for m in self.workspace.messages(channel) if m["ts"] == ts), None)
        if found is None:
            raise Refusal("that message is gone")
        message = {k: v for k, v in found.items() if k != "channel"}
        message["blocks"] = elements.with_block_ids(message.get("blocks") or [], f"{channel}/{ts}")
        target = ResponseTarget(user_id, channel, message_ts=ts)
        container = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel,
            "is_ephemeral": False,
        } | ({"thread_ts": found["thread_ts"]} if found.get("thread_ts") else {})
        where = {
            "container": container,
            "channel": {"id": channel, "name": self._channel_name(channel)},
            "message": message,
            "response_url": self._response_url(target),
        }
        return where, message.get("blocks") or []

    def _ephemeral_source(
        self, user_id: str, ephemeral_id: int
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        shown = self.surfaces.ephemeral(ephemeral_id)
        if shown is None or shown.user != user_id:
            raise Refusal("that message is gone")
        target = ResponseTarget(user_id, shown.channel, ephemeral=shown.id)
        ts = f"{shown.posted_at.timestamp():.6f}"
        where = {
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": shown.channel,
                "is_ephemeral": True,
            },
            "channel": {"id": shown.channel, "name": self._channel_name(shown.channel)},
            "response_url": self._response_url(target),
        }
        return where, elements.with_block_ids(shown.blocks, f"ephemeral/{shown.id}")

    def _view(
        self, user_id: str, view_id: str, values: dict[str, dict[str, str | None]]
    ) -> dict[str, Any]:
        view = self.workspace.views.get(view_id)
        if view is None:
            raise Refusal("that view is gone")
        is_home = view.get("type") == "home"
        if is_home and view.get("_user_id") != user_id:
            raise Refusal("that is someone else's Home tab")
        if not is_home and view_id not in (self.surfaces.modals.get(user_id) or []):
            raise Refusal("that form is not open")
        public = {k: v for k, v in view.items() if not k.startswith("_")}
        public["blocks"] = elements.with_block_ids(public.get("blocks") or [], view_id)
        return public | {"state": {"values": elements.state_values(public["blocks"], values)}}

    def _modal(
        self, user_id: str, view_id: str, values: dict[str, dict[str, str | None]]
    ) -> dict[str, Any]:
        view = self._view(user_id, view_id, values)
        if view.get("type") != "modal" or not view.get("submit"):
            raise Refusal("that view cannot be submitted")
        return view
