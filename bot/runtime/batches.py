"""Long writes (imports, directory syncs) in short transactions, so Slack never waits long."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
Item = TypeVar("Item")
# People per transaction: a Slack delivery waiting for the write lock waits for one batch.
BATCH = 2000


def in_batches(
    run: Callable[..., T],
    verb: Callable[..., T],
    items: Sequence[Item],
    *,
    pause: float = 0.0,
    size: int = BATCH,
    **kwargs: Any,
) -> list[T]:
    """`run(verb, batch, **kwargs)` for each batch of `items`, `pause` seconds apart."""
    results = []
    for start in range(0, len(items), size):
        if start:
            time.sleep(pause)
        results.append(run(verb, items[start : start + size], **kwargs))
    return results
