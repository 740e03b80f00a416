"""The HTTP surface: `POST /slack/events` (everything Slack sends); for operators `GET /healthz`
(the process answers), `GET /readyz` (it can do its work) and `GET /metrics` (Prometheus); and
the read-only REST API under `/api/v1/` with its OpenAPI document (`/openapi.json`, `/docs`);
and `/scim/v2` for identity providers."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from anyio import CapacityLimiter, to_thread
from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt import App
from slack_bolt.request import BoltRequest

from bot.bootstrap import Container
from bot.slack.payload import MalformedPayload, check_payload
from bot.slack.signature import SlackSignature
from bot.web.api import include_api
from bot.web.body import body_within
from bot.web.health import readiness
from bot.web.scim import include_scim

log = logging.getLogger(__name__)

NOT_CONFIGURED = "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET."
MAX_BODY_BYTES = 1024 * 1024  # Slack's largest payloads (big modals) are a small part of this
REFUSED = "refused"  # the kind of a Slack request answered before Bolt saw it
EVENT_TYPES = frozenset({"event_callback", "url_verification", "app_rate_limited"})
# Bolt dispatches at once: more threads than this only queue for the database's write lock and
# the GIL, and starve the job worker; the store's connection pool is sized to match.
SLACK_THREADS = 16


def create_app(
    container: Container, *, background: bool = False, socket_mode: bool = False
) -> FastAPI:
    """The FastAPI app; Bolt's sync dispatch runs in a worker thread, off the event loop.

    With `background`, the job worker and the scheduler run for the app's lifetime: a SIGTERM
    stops them (running jobs finish or are handed back) before the process exits. With
    `socket_mode`, Slack's requests come over Socket Mode, and readiness asks for its tokens.
    """
    lifespan = _background(container) if background else None
    threads = CapacityLimiter(SLACK_THREADS)
    api = FastAPI(
        title="Seatkeeper",
        summary="Read-only REST API over Seatkeeper's seats, spend, renewals and audit trail.",
        version="v1",
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )

    # Slack's endpoint and the operators' ones are for Slack, load balancers and monitoring,
    # not API clients.
    @api.post("/slack/events", include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        started = time.perf_counter()
        kind, response = await _slack_answer(request, container, threads)
        container.metrics.slack_request(kind, response.status_code, time.perf_counter() - started)
        return response

    @api.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        return JSONResponse({"ok": True})

    @api.get("/readyz", include_in_schema=False)
    async def readyz() -> Response:
        report = await run_in_threadpool(
            readiness, container, background=background, socket_mode=socket_mode
        )
        return JSONResponse(report, status_code=200 if report["ready"] else 503)

    @api.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        exposition = await run_in_threadpool(container.metrics.exposition)
        return Response(exposition, media_type=CONTENT_TYPE_LATEST)

    include_api(api, container)
    include_scim(api, container)
    return api


def _background(container: Container) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        container.background.start()
        try:
            yield
        finally:
            await run_in_threadpool(container.background.stop)

    return lifespan


async def _slack_answer(
    request: Request, container: Container, threads: CapacityLimiter
) -> tuple[str, Response]:
    """The request's kind (event, interaction, command, or refused) and its answer."""
    if container.bolt is None or container.slack_signature is None:
        return REFUSED, JSONResponse({"ok": False, "error": NOT_CONFIGURED}, status_code=503)
    return await _slack_events(request, container.slack_signature, container.bolt, threads)


async def _slack_events(
    request: Request, signature: SlackSignature, bolt: App, threads: CapacityLimiter
) -> tuple[str, Response]:
    """Verify, then check the shape, and only then let Bolt (and so any listener) see the body."""
    raw = await body_within(request, MAX_BODY_BYTES)
    if raw is None:
        return _refuse(request, 413, "request body too large", f"body over {MAX_BODY_BYTES} bytes")
    problem = signature.problem(request.headers, raw)
    if problem is not None:
        return _refuse(request, 401, "invalid request", problem)
    try:
        body = check_payload(raw, request.headers.get("content-type"))
    except MalformedPayload as malformed:
        why = f"signed but malformed at {malformed.where!r}"
        return _refuse(request, 400, "malformed payload", why)
    bolt_request = BoltRequest(
        body=body, query=request.url.query, headers=dict(request.headers), mode="http"
    )
    response = await to_thread.run_sync(bolt.dispatch, bolt_request, limiter=threads)
    headers = {k: v[0] for k, v in response.headers.items() if v and k.lower() != "content-length"}
    answer = Response(status_code=response.status, content=response.body, headers=headers)
    return _kind(bolt_request.body), answer


def _kind(body: dict[str, Any]) -> str:
    """What Slack sent: a slash command, an Events API delivery, or an interaction."""
    if "command" in body:
        return "command"
    return "event" if body.get("type") in EVENT_TYPES else "interaction"


def _refuse(request: Request, status: int, error: str, why: str) -> tuple[str, Response]:
    """One short log line (never the body or a header's value) and a short JSON answer."""
    client = request.client.host if request.client else "unknown"
    log.warning("refused a Slack request from %s with %d: %s", client, status, why)
    return REFUSED, JSONResponse({"error": error}, status_code=status)
