"""A vendor on loopback that refuses every call with the same answer, whatever it is asked.

For what a hostile or broken vendor can put in its error text: secrets it echoes back, mentions,
control characters. It reads and discards each request body and counts the calls.
"""

from __future__ import annotations

import json
import threading
from http.server import ThreadingHTTPServer
from typing import Any, Self

from bot.sandbox.loopback import Answer, LoopbackHandler


class RefusingVendor:
    """Serves `status` with the JSON `body` on 127.0.0.1:`port` (0: a free port)."""

    def __init__(self, status: int, body: Any, port: int = 0) -> None:
        self.status, self.body, self.calls = status, body, 0
        handler = type("_Handler", (_Handler,), {"vendor": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """Where it listens, such as `http://127.0.0.1:8123`."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Handler(LoopbackHandler):
    vendor: RefusingVendor

    def answer(self) -> Answer:
        self.vendor.calls += 1
        self.read_body()
        data = json.dumps(self.vendor.body).encode()
        return self.vendor.status, data, {"Content-Type": "application/scim+json"}

    do_PUT = do_PATCH = do_DELETE = LoopbackHandler.do_GET
