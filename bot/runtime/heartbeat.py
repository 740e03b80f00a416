"""A heartbeat: renew something (a lease) at a steady pace while work runs."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from types import TracebackType

log = logging.getLogger(__name__)


class Heartbeat:
    """Calls `beat` every `interval` seconds in a daemon thread while the `with` block runs.

    A beat that fails is logged and tried again at the next interval: a passing database
    hiccup must not stop the work, and a lease that is not renewed simply runs out.
    """

    def __init__(self, beat: Callable[[], None], interval: float, name: str) -> None:
        self._beat = beat
        self._interval = interval
        self._name = name
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        """True while its thread runs (from entering the block until leaving it)."""
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> Heartbeat:
        self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._beat()
            except Exception:
                log.warning("%s: renewing failed; trying again shortly", self._name, exc_info=True)
