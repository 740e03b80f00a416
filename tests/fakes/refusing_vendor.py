"""A vendor on loopback that refuses every call with the same answer, whatever it is asked.

For what a hostile or broken vendor can put in its error text: secrets it echoes back, mentions,
control characters. It reads and discards each request body and counts the calls.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class RefusingVendor:
    """Serves `status` with the JSON `body` on 127.0.0.1:`port` (0: a free port)."""

    def __init__(self, status: int, body: Any, port: int = 0) -> None:
        self.status, self.body, self.calls = status, body, 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer._answer(self)

            do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                """Keep request lines out of the test output."""

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        self.calls += 1
        handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        data = json.dumps(self.body).encode()
        handler.send_response(self.status)
        handler.send_header("Content-Type", "application/scim+json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
