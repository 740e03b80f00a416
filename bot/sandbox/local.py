"""A Slack workspace served on a loopback port, for slack_sdk clients (`base_url=slack.url`).

Tests point Seatkeeper at it through `SLACK_API_URL`; each caller may use its own base URL
(`url_for`) so the calls it makes are told apart.
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from typing import Self
from urllib.parse import urlsplit

from bot.sandbox.loopback import Answer, LoopbackHandler, json_answer
from bot.sandbox.web_request import read_call
from bot.sandbox.workspace import AnswerDropped, SlackWorkspace, refusal


class LocalSlack(SlackWorkspace):
    """The workspace's Web API on `http://127.0.0.1:<port>/api/`."""

    _server: _Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL for `slack_sdk.WebClient(base_url=...)`, ending in `/api/`."""
        if self._server is None:
            raise RuntimeError("LocalSlack is not started")
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}/api/"

    def url_for(self, caller: str) -> str:
        """A base URL whose calls are recorded with `via=caller` (same API, same state)."""
        return f"{self.url.removesuffix('/api/')}/{caller}/api/"

    def start(self) -> Self:
        """Serve on a free loopback port in a daemon thread."""
        handler = type("_Handler", (_Handler,), {"slack": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops bursts of parallel connections for ~1 s


class _Handler(LoopbackHandler):
    slack: LocalSlack

    def answer(self) -> Answer | None:
        split = urlsplit(self.path)
        via, _, method = split.path.rpartition("/api/")
        try:
            call = read_call(
                self.read_body(),
                self.headers.get("Content-Type"),
                split.query,
                self.headers.get("Authorization"),
            )
        except ValueError as unreadable:
            return json_answer(200, refusal(str(unreadable)))
        try:
            answer = self.slack.handle(
                method,
                call.params,
                call.token,
                via.strip("/"),
                verb=self.command,
                token_in=call.token_in,
            )
        except AnswerDropped:
            return None
        return json_answer(*answer)
