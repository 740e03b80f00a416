"""A real SCIM 2.0 peer for tests: scim2-server's in-memory WSGI app on a free local port."""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import httpx
import pytest
from scim2_models import ScimProvider
from scim2_server.memory import InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.testserver.application import BEARER_TOKEN_SCHEME, BearerTokenApplication
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

SCIM_TOKEN = "test-scim-token-do-not-log"
# Seconds a test's own call to the SCIM peer may take: generous, as a loaded CI machine can
# keep the server's thread waiting for the GIL for seconds.
PEER_TIMEOUT = 30.0


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep request lines out of the test output."""


@dataclass
class RunningScimServer:
    """A started server: its base URL, the token it accepts, and its storage."""

    base_url: str
    token: str
    storage: InMemoryStorage
    calls: list[tuple[str, str]] = field(default_factory=list)  # (HTTP method, path) served

    def add_user(self, user_name: str) -> None:
        """Create an active User, as the vendor's own admin console would."""
        httpx.post(
            f"{self.base_url}/Users",
            json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name},
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=PEER_TIMEOUT,
        ).raise_for_status()


@functools.cache
def _service() -> ScimService:
    config = load_default_service_provider_config()
    config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=config
    )
    return ScimService(provider, secret="test-cursor-secret")


def _application(storage: InMemoryStorage, token: str) -> BearerTokenApplication:
    service = _service()
    return BearerTokenApplication(storage, service.provider, service=service, bearer_tokens=[token])


def start_scim_server(
    token: str = SCIM_TOKEN, port: int = 0
) -> tuple[RunningScimServer, WSGIServer]:
    """Serve a fresh in-memory SCIM server on 127.0.0.1 in a background thread."""
    storage = InMemoryStorage()
    calls: list[tuple[str, str]] = []
    app = _recording(_application(storage, token), calls)
    server = make_server(
        "127.0.0.1", port, app, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()
    base_url = f"http://127.0.0.1:{server.server_port}/v2"
    return RunningScimServer(base_url, token, storage, calls), server


def _recording(app: Any, calls: list[tuple[str, str]]) -> Any:
    """The WSGI app, noting each request's method and path as it arrives."""

    def record(environ: dict[str, Any], start_response: Any) -> Any:
        calls.append((environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")))
        return app(environ, start_response)

    return record


def stop_scim_server(server: WSGIServer) -> None:
    """Stop a server started by `start_scim_server` and free its port."""
    server.shutdown()
    server.server_close()


@pytest.fixture(name="scim_server")
def scim_server_fixture() -> Iterator[RunningScimServer]:
    """A real SCIM server with empty storage, stopped after the test."""
    running, server = start_scim_server()
    try:
        yield running
    finally:
        stop_scim_server(server)
