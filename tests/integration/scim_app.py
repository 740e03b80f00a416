"""The real app (`bot.bootstrap.build`, `create_app`) on a test database, for /scim/v2 tests.

`serve_scim` gives a TestClient with a `scim` token in its headers; `live_scim` serves the
same app with uvicorn on a free loopback port, for clients that speak real HTTP.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi.testclient import TestClient

from bot.bootstrap import Container, build
from bot.config.loader import parse_config
from bot.config.settings import settings_from_env
from bot.web.app import create_app
from tests.fakes.clock import FakeClock
from tests.integration.sandbox_harness import _wait_until_started, free_port
from workflows.model import TokenScope
from workflows.tokens import CreateToken, create_token

CONFIG = """
slack: {it_channel: C0ITOPS01}
admins: [U0ADMIN01]
apps:
  - key: figma
    name: Figma
    connector: {type: manual}
    tiers: [{key: professional, name: Professional, monthly_price: 15}]
"""
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@dataclass
class Scim:
    """The built app, a client whose requests carry a scim token, and the clock."""

    app: Container
    http: TestClient
    clock: FakeClock
    token: str

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> tuple[int, Any]:
        """(status, JSON body or None) of a request to /scim/v2`path`."""
        answer = self.http.request(method, f"/scim/v2{path}", json=body, params=params)
        return answer.status_code, answer.json() if answer.content else None

    def create(self, user_name: str, **more: Any) -> dict[str, Any]:
        """POST a User; the created resource."""
        status, body = self.call(
            "POST", "/Users", {"schemas": [USER], "userName": user_name, **more}
        )
        assert status == 201, body
        return dict(body)

    def patch(self, user_id: str, *operations: dict[str, Any]) -> tuple[int, Any]:
        """PATCH a User with these operations."""
        body = {"schemas": [PATCH_OP], "Operations": list(operations)}
        return self.call("PATCH", f"/Users/{user_id}", body)


def _container(database_url: str, clock: FakeClock, config: str, **more: str) -> Container:
    env = {"SEATKEEPER_DATABASE_URL": database_url, **more}
    parsed = parse_config(config, source="scim.yml", env=env)
    return build(settings_from_env(env), parsed, clock=clock, env=env)


def new_token(app: Container, name: str = "okta", scope: TokenScope = TokenScope.SCIM) -> str:
    """A fresh token's secret, made as `seatkeeper token create --scope scim` makes it."""
    return app.runner(create_token, CreateToken(name, scope)).secret


@contextmanager
def serve_scim(database_url: str, config: str = CONFIG) -> Iterator[Scim]:
    """The app as `seatkeeper serve` builds it, without Slack, and a client with a scim token."""
    clock = FakeClock()
    container = _container(database_url, clock, config)
    token = new_token(container)
    client = TestClient(create_app(container), headers={"Authorization": f"Bearer {token}"})
    try:
        yield Scim(container, client, clock, token)
    finally:
        client.close()
        container.close()


@contextmanager
def live_scim(database_url: str) -> Iterator[tuple[str, str]]:
    """The app served over HTTP on a free loopback port: (its /scim/v2 URL, a scim token).

    Its clock stands still, so the rate limit is lifted: a conformance run is a flood."""
    container = _container(database_url, FakeClock(), CONFIG, SEATKEEPER_SCIM_BURST="100000")
    token = new_token(container)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        _wait_until_started(server)
        yield f"http://127.0.0.1:{port}/scim/v2", token
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        container.close()
