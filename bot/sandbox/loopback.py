"""Loopback HTTP servers for local stand-ins of Slack and vendors: one request handler base,
whose own failures are answered, not dropped.

When a `http.server` handler raises, the server prints the traceback to stderr and closes the
connection, so the client sees `RemoteDisconnected` and never learns why. A handler built on
`LoopbackHandler` answers HTTP 500 with the error's text instead.
"""

from __future__ import annotations

import json
import traceback
from http.server import BaseHTTPRequestHandler
from typing import Any

Answer = tuple[int, bytes, dict[str, str]]  # HTTP status, body, headers
JSON_TYPE = "application/json; charset=utf-8"


class LoopbackHandler(BaseHTTPRequestHandler):
    """Answers GET and POST with `answer()`; `None` closes the connection without an answer."""

    def answer(self) -> Answer | None:
        raise NotImplementedError

    def do_GET(self) -> None:
        try:
            answer = self.answer()
        except Exception as broken:  # whoever called must learn why it broke
            answer = json_answer(500, failure(broken))
        if answer is None:
            self.close_connection = True
            return
        status, body, headers = answer
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the caller is gone (it was killed): nobody to tell

    do_POST = do_GET

    def read_body(self) -> bytes:
        """The request body, as long as its Content-Length says."""
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def log_message(self, format: str, *args: Any) -> None:
        """Keep request lines out of the output."""


def json_answer(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    """An answer with a JSON body (`headers` may set another Content-Type)."""
    return status, json.dumps(body).encode(), {"Content-Type": JSON_TYPE, **(headers or {})}


def failure(broken: BaseException) -> dict[str, Any]:
    """The body of a 500 from a stand-in that broke: `ok: false` and what failed, and where."""
    text = "".join(traceback.format_exception_only(broken)).strip()
    frames = traceback.extract_tb(broken.__traceback__)
    if frames:
        text += f" (at {frames[-1].filename}:{frames[-1].lineno} in {frames[-1].name})"
    return {"ok": False, "error": f"the local stand-in failed: {text}"}
