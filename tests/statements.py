"""The statements an engine sends, for tests of what the store asks the database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

Statements = list[tuple[str, Any]]


@contextmanager
def statements(engine: Engine) -> Iterator[Statements]:
    """Every statement the engine sends while the block runs, with its parameters."""
    sent: Statements = []

    def note(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        sent.append((sql, params))

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)
