"""The sandbox's HTTP side, served beside the app by the same server: the page and its JSON
endpoints under `/sandbox/`, Slack's Web API for the app under `/sandbox/slack/api/`, and the
response URLs it hands out under `/sandbox/slack/response/`.

It signs requests as Slack for anyone who can reach it, so it answers loopback clients only
(unless `allow_remote`), and only for a loopback Host, so that a web page elsewhere cannot
drive it through the browser (DNS rebinding); its actions take JSON only, which a page on
another origin cannot send without asking first (CORS).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field

from bot.bootstrap import Container
from bot.sandbox.dry_run import VendorCalls
from bot.sandbox.elements import Refusal
from bot.sandbox.player import Sandbox
from bot.sandbox.state import people, state_for
from bot.sandbox.timeline import Timeline
from bot.sandbox.web_request import read_call
from bot.sandbox.workspace import refusal
from bot.web.app import create_app

WAIT_SECONDS = 20.0  # a long poll answers at the latest after this, changed or not
POLL_SECONDS = 0.1
LOOPBACK_NAMES = {"localhost"}
Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Any]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: str = Field(min_length=1, max_length=40)


class CommandBody(_Body):
    channel: str = Field(min_length=1, max_length=40)
    text: str = Field(max_length=4000)


class ActionBody(_Body):
    source: dict[str, str | int]
    block_id: str = Field(max_length=255)
    action_id: str = Field(max_length=255)
    value: str | None = Field(default=None, max_length=2000)
    values: dict[str, dict[str, str | None]] = Field(default_factory=dict)


class SubmitBody(_Body):
    view_id: str = Field(min_length=1, max_length=40)
    values: dict[str, dict[str, str | None]] = Field(default_factory=dict)


class CloseBody(_Body):
    view_id: str = Field(min_length=1, max_length=40)


class ClockBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hours: float = Field(gt=0, le=24 * 60)


def is_loopback(host: str | None) -> bool:
    """True for a loopback address or `localhost` (with or without a port or brackets)."""
    if not host:
        return False
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1:].split("]")[0]
    elif name.count(":") == 1:
        name = name.split(":")[0]
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class LoopbackOnly:
    """Answers 403 to a client that is not on this machine, or that named another host."""

    def __init__(self, app: ASGIApp, *, allow_remote: bool = False) -> None:
        self.app = app
        self.allow_remote = allow_remote

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not self.allow_remote and not _local(scope):
            refused = PlainTextResponse("the sandbox answers this machine only", status_code=403)
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _local(scope: Scope) -> bool:
    client = scope.get("client")
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"").decode("latin-1")
    return client is not None and is_loopback(client[0]) and is_loopback(host)


def create_sandbox_app(
    container: Container,
    sandbox: Sandbox,
    timeline: Timeline,
    *,
    vendor_calls: VendorCalls | None = None,
    background: bool = False,
    allow_remote: bool = False,
) -> LoopbackOnly:
    """The app's HTTP surface with the sandbox beside it, for loopback clients only."""
    api = create_app(container, background=background)
    include_sandbox(api, sandbox, timeline, vendor_calls)
    return LoopbackOnly(api, allow_remote=allow_remote)


def include_sandbox(
    api: FastAPI, sandbox: Sandbox, timeline: Timeline, vendor_calls: VendorCalls | None
) -> None:
    """Add the sandbox's routes to the app's."""
    static = Path(str(resources.files("bot.sandbox") / "static"))
    calls = vendor_calls.all if vendor_calls is not None else None

    @api.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse("/sandbox/")

    @api.get("/sandbox/", include_in_schema=False)
    async def page() -> Response:
        return FileResponse(static / "index.html", headers={"Cache-Control": "no-store"})

    api.mount("/sandbox/static", StaticFiles(directory=static), name="sandbox-static")

    @api.api_route("/sandbox/slack/api/{method}", methods=["GET", "POST"], include_in_schema=False)
    async def web_api(method: str, request: Request) -> Response:
        headers = request.headers
        try:
            call = read_call(
                await request.body(),
                headers.get("content-type"),
                request.url.query,
                headers.get("authorization"),
            )
        except ValueError as unreadable:
            return JSONResponse(refusal(str(unreadable)))
        status, answer, extra = sandbox.web_api(method, call.params, call.token)
        return JSONResponse(answer, status_code=status, headers=extra)

    @api.post("/sandbox/slack/response/{response_id}", include_in_schema=False)
    async def response_url(response_id: str, request: Request) -> Response:
        try:
            message = json.loads(await request.body() or b"{}")
        except ValueError:
            return PlainTextResponse("invalid_payload", status_code=400)
        if not isinstance(message, dict):
            return PlainTextResponse("invalid_payload", status_code=400)
        status, text = sandbox.respond(response_id, message)
        return PlainTextResponse(text, status_code=status)

    @api.get("/sandbox/api/people", include_in_schema=False)
    async def everyone() -> Response:
        return JSONResponse({"people": people(sandbox)})

    @api.get("/sandbox/api/state", include_in_schema=False)
    async def state(user: str) -> Response:
        try:
            return JSONResponse(state_for(sandbox, user, calls))
        except Refusal as refused:
            raise HTTPException(404, str(refused)) from None

    @api.get("/sandbox/api/changes", include_in_schema=False)
    async def changes(since: int, request: Request) -> Response:
        waited = 0.0
        while sandbox.surfaces.version == since and waited < WAIT_SECONDS:
            if await request.is_disconnected():
                break  # the page was closed: nobody waits for this answer any more
            await asyncio.sleep(POLL_SECONDS)
            waited += POLL_SECONDS
        return JSONResponse({"version": sandbox.surfaces.version})

    actions = APIRouter(
        prefix="/sandbox/api", include_in_schema=False, dependencies=[Depends(_json_only)]
    )

    @actions.post("/command")
    async def command(body: CommandBody) -> Response:
        return await _done(sandbox.command(body.user, body.channel, body.text))

    @actions.post("/action")
    async def action(body: ActionBody) -> Response:
        source = dict(body.source)
        act = sandbox.act(body.user, source, body.block_id, body.action_id, body.value, body.values)
        return await _done(act)

    @actions.post("/submit")
    async def submit(body: SubmitBody) -> Response:
        return await _done(sandbox.submit(body.user, body.view_id, body.values))

    @actions.post("/close")
    async def close(body: CloseBody) -> Response:
        sandbox.close(body.user, body.view_id)
        return JSONResponse({"ok": True})

    @actions.post("/home")
    async def home(body: _Body) -> Response:
        return await _done(sandbox.open_home(body.user))

    @actions.post("/clock")
    async def clock(body: ClockBody) -> Response:
        jump = await run_in_threadpool(timeline.jump, dt.timedelta(hours=body.hours))
        sandbox.surfaces.touch()
        summary = {"now": jump.after.isoformat(), "ran": jump.ran, "summary": jump.summary()}
        return JSONResponse({"ok": True} | summary)

    api.include_router(actions)


def _json_only(request: Request) -> None:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise HTTPException(415, "send JSON")


async def _done(work: Awaitable[None]) -> Response:
    try:
        await work
    except Refusal as refused:
        return JSONResponse({"ok": False, "error": str(refused)}, status_code=400)
    return JSONResponse({"ok": True})
