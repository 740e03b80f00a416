"""A loopback HTTP listener standing in for whatever address a body names as its response_url.

It records every request it gets, so a test can show that nothing was sent to it.
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Self

from bot.sandbox.loopback import Answer, LoopbackHandler


class ResponseUrlListener:
    """Answers 200 to anything on `http://127.0.0.1:<port>/` and keeps what it was sent."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str, bytes]] = []  # (method, path, body)
        handler = type("_Handler", (_Handler,), {"listener": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """An address to put in a body's `response_url`."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _Handler(LoopbackHandler):
    listener: ResponseUrlListener

    def answer(self) -> Answer:
        self.listener.received.append((self.command, self.path, self.read_body()))
        return 200, b"ok", {}
