"""Long writes (imports, directory syncs) in short transactions, so Slack never waits long."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
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
    """`run(verb, command(batch))` for each batch of `items`, the write lock left free for
    `pause` seconds after each second of writing (`Breather`)."""
    results: list[R] = []
    breathe = Breather(pause)
    for start in range(0, len(items), size):
        if start:
            breathe()
        results.append(run(verb, command(items[start : start + size])))
    return results


def batched(items: Iterable[Item], size: int = BATCH) -> Iterator[list[Item]]:
    """`items` in lists of `size` (the last may be shorter), read as they are needed."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


@dataclass
class Breather:
    """Leaves the write lock free for `pause` seconds after each `every` seconds of writing.

    A pause after every short transaction would cost a long import more in pauses than in
    writes; one a second keeps a waiting Slack delivery's wait near a second.
    """

    pause: float
    every: float = 1.0
    since: float = field(default_factory=time.monotonic)

    def __call__(self) -> None:
        """Pause if it is time to; call between transactions."""
        if self.pause and time.monotonic() - self.since >= self.every:
            time.sleep(self.pause)
            self.since = time.monotonic()
