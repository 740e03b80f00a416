"""Long writes (imports, directory syncs) in short transactions, so Slack never waits long."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from workflows.ports import Verb

C = TypeVar("C")
R = TypeVar("R")  # what the verb returns: its outcome
Item = TypeVar("Item")
# People per transaction: a Slack delivery waiting for the write lock waits for one batch.
BATCH = 2000


class Run(Protocol):
    """Runs a verb in its own transaction and gives back its outcome (`Runner`, `rehearse`)."""

    def __call__(self, verb: Verb[C, R], cmd: C, /) -> R: ...


def in_batches(
    run: Run,
    verb: Verb[C, R],
    items: Sequence[Item],
    command: Callable[[Sequence[Item]], C],
    *,
    pause: float = 0.0,
    size: int = BATCH,
) -> list[R]:
    """`run(verb, command(batch))` for each batch of `items`, `pause` seconds apart."""
    results: list[R] = []
    for start in range(0, len(items), size):
        if start:
            time.sleep(pause)
        results.append(run(verb, command(items[start : start + size])))
    return results
