"""Waking the job worker's idle threads when jobs were committed, each only for kinds it takes.

The Slack lane and the vendor lane wait on events of their own: a click that queues Slack
messages wakes the Slack lane, not the vendor lane's threads to find nothing to claim.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection


class JobWake:
    """Events for idle worker threads, set when jobs of a kind a thread takes are committed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[tuple[Callable[[str], bool], threading.Event]] = []

    def subscribe(self, takes: Callable[[str], bool]) -> threading.Event:
        """An event set whenever a job of a kind `takes` accepts is committed."""
        event = threading.Event()
        with self._lock:
            self._waiting.append((takes, event))
        return event

    def unsubscribe(self, event: threading.Event) -> None:
        """Stop setting `event` (its thread has ended)."""
        with self._lock:
            self._waiting = [(takes, e) for takes, e in self._waiting if e is not event]

    def committed(self, kinds: Collection[str]) -> None:
        """Jobs of these kinds were committed: wake the threads that take any of them."""
        if not kinds:
            return
        with self._lock:
            waiting = list(self._waiting)
        for takes, event in waiting:
            if any(takes(kind) for kind in kinds):
                event.set()

    def all(self) -> None:
        """Wake every thread (new work of any kind, or a stop)."""
        with self._lock:
            waiting = list(self._waiting)
        for _, event in waiting:
            event.set()
