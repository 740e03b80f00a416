"""A progress bar for long passes when a person is watching a terminal; silence otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import Progress


@contextmanager
def terminal_progress(total: int, doing: str = "syncing") -> Iterator[Callable[[str], None]]:
    """Yield `step(name)`: advance the bar (shown on stderr only when it is a terminal)."""
    if not sys.stderr.isatty():
        yield lambda _name: None
        return
    with Progress(transient=True) as progress:
        task = progress.add_task(doing, total=total)

        def step(name: str) -> None:
            progress.update(task, advance=1, description=f"{doing} {name}")

        yield step
