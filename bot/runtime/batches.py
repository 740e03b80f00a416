"""Long writes (imports, directory syncs) in short transactions, so Slack never waits long."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

T = TypeVar("T")
Item = TypeVar("Item")
# People per transaction: a Slack delivery waiting for the write lock waits for one batch.
BATCH = 2000


class Run(Protocol):
    """Runs a verb in its own transaction and gives back what the verb returned (`Runner`)."""

    def __call__(self, verb: Callable[..., T], /, *args: Any, **kwargs: Any) -> T: ...


def in_batches(
    run: Run,
    verb: Callable[..., T],
    items: Sequence[Item],
    *,
    pause: float = 0.0,
    size: int = BATCH,
    **kwargs: Any,
) -> list[T]:
    """`run(verb, batch, **kwargs)` for each batch of `items`, `pause` seconds apart."""
    results: list[T] = []
    for start in range(0, len(items), size):
        if start:
            time.sleep(pause)
        results.append(run(verb, items[start : start + size], **kwargs))
    return results
