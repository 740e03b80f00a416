"""The HTTP surface: `POST /slack/events`, `GET /healthz` (and the REST API under /api/)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from slack_bolt.request import BoltRequest

from bot.bootstrap import Container
from store.db import ping

NOT_CONFIGURED = "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET."


def create_app(container: Container, *, background: bool = False) -> FastAPI:
    """The FastAPI app; Bolt's sync dispatch runs in a worker thread, off the event loop.

    With `background`, the job worker and the scheduler run for the app's lifetime: a SIGTERM
    stops them (running jobs finish or are handed back) before the process exits.
    """
    lifespan = _background(container) if background else None
    api = FastAPI(title="Seatkeeper", docs_url=None, redoc_url=None, lifespan=lifespan)

    @api.post("/slack/events")
    async def slack_events(request: Request) -> Response:
        if container.bolt is None:
            return JSONResponse({"ok": False, "error": NOT_CONFIGURED}, status_code=503)
        body = (await request.body()).decode("utf-8", errors="replace")
        try:
            bolt_request = BoltRequest(
                body=body, query=request.url.query, headers=dict(request.headers), mode="http"
            )
        except ValueError:
            # Bolt parses the body before checking the signature; answer as it would have.
            verifier = container.bolt_verifier
            signed = verifier is not None and verifier.is_valid_request(body, dict(request.headers))
            if not signed:
                return JSONResponse({"error": "invalid request"}, status_code=401)
            return JSONResponse({"error": "malformed payload"}, status_code=400)
        response = await run_in_threadpool(container.bolt.dispatch, bolt_request)
        return Response(
            status_code=response.status,
            content=response.body,
            headers={
                k: v[0] for k, v in response.headers.items() if v and k.lower() != "content-length"
            },
        )

    @api.get("/healthz")
    async def healthz() -> Response:
        try:
            await run_in_threadpool(ping, container.engine)
        except Exception:
            return JSONResponse({"ok": False, "database": "unreachable"}, status_code=503)
        return JSONResponse({"ok": True, "slack": container.bolt is not None})

    return api


def _background(container: Container) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        container.start_background()
        try:
            yield
        finally:
            await run_in_threadpool(container.stop_background)

    return lifespan
