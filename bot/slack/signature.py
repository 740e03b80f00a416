"""Slack's v0 request signature, checked on the raw body before anything parses it."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping

MAX_SKEW_SECONDS = 300  # Slack's own window, in either direction
_DIGITS = 12  # far beyond any real Unix time, short enough to parse safely


class SlackSignature:
    """Checks `X-Slack-Signature` and `X-Slack-Request-Timestamp` against the signing secret.

    Freshness is judged by the wall clock (Slack's), never by the app's injected clock.
    """

    def __init__(self, signing_secret: str, now: Callable[[], float] = time.time) -> None:
        self._key = signing_secret.encode()
        self._now = now

    def problem(self, headers: Mapping[str, str], body: bytes) -> str | None:
        """Why this request is not a fresh one signed by Slack, or None when it is."""
        timestamp = headers.get("x-slack-request-timestamp")
        signature = headers.get("x-slack-signature")
        if timestamp is None or signature is None:
            return "missing signature headers"
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= _DIGITS):
            return "malformed timestamp"
        if abs(self._now() - int(timestamp)) > MAX_SKEW_SECONDS:
            return "stale timestamp"
        signed = b"v0:" + timestamp.encode() + b":" + body
        expected = b"v0=" + hmac.new(self._key, signed, hashlib.sha256).hexdigest().encode()
        # Bytes on both sides: compare_digest refuses non-ASCII str instead of answering False.
        if not hmac.compare_digest(expected, signature.encode("utf-8", errors="replace")):
            return "bad signature"
        return None
