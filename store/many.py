"""Many rows through one Core statement at the driver's pace, for bulk writes (imports).

SQLAlchemy's own executemany builds and converts every row's parameters in Python, which costs
more than the database's work for a short statement. Here the statement is compiled once, each
distinct value of a typed parameter converted once (a bulk write repeats few dates), and the
rows handed to the driver's executemany as they are.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.sql import ClauseElement, Select
from sqlalchemy.sql.compiler import SQLCompiler


def execute_many(
    connection: Connection, statement: ClauseElement, rows: Sequence[Mapping[str, Any]]
) -> int:
    """Run `statement` once per row (each maps its parameters by name; the statement's own
    values fill the rest); return the rows changed."""
    if not rows:
        return 0
    sql, shaped = _for_driver(connection, statement, rows)
    return int(connection.exec_driver_sql(sql, shaped).rowcount)


def select_once(
    connection: Connection, statement: Select[Any], row: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """The rows `statement` selects with these parameters (built as `execute_many` builds
    them, for a query with many, such as a long IN), each distinct value converted once."""
    sql, shaped = _for_driver(connection, statement, [row])
    found = connection.exec_driver_sql(sql, shaped[0]).fetchall()
    readers = _readers(statement, connection.dialect)
    if all(reader is _as_is for reader in readers):
        return [tuple(one) for one in found]
    return [tuple(map(operator.call, readers, one)) for one in found]


def _as_is(value: Any) -> Any:
    return value


def _readers(statement: Select[Any], dialect: Dialect) -> list[Callable[[Any], Any]]:
    """A cached converter of each selected column's values (`_as_is` where none is needed)."""
    found: list[Callable[[Any], Any]] = []
    for column in statement.selected_columns:
        processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
        found.append(_cached(processor) if processor is not None else _as_is)
    return found


def _for_driver(
    connection: Connection, statement: ClauseElement, rows: Sequence[Mapping[str, Any]]
) -> tuple[str, list[Any]]:
    compiled, processors = _compiled(statement, connection.dialect)
    convert = {name: _cached(processor) for name, processor in processors.items()}
    names = set(rows[0])
    # A parameter a row does not give is the statement's own value, converted once.
    fixed = {
        name: convert[name](value) if name in convert else value
        for name, value in compiled.params.items()
        if name not in names
    }
    converted = [(name, convert[name]) for name in names if name in convert]
    shaped: list[Any] = [_merged(row, fixed, converted) for row in rows]
    if compiled.positiontup is not None:  # SQLite's ?: a tuple in the statement's order
        order = list(compiled.positiontup)
        pick = itemgetter(*order) if len(order) > 1 else lambda row: (row[order[0]],)
        shaped = [pick(row) for row in shaped]
    return compiled.string, shaped


@functools.lru_cache(maxsize=64)
def _compiled(
    statement: ClauseElement, dialect: Dialect
) -> tuple[SQLCompiler, dict[str, Callable[[Any], Any]]]:
    """The statement's SQL for the dialect, and the converters of its typed parameters; build
    a statement once to compile it once."""
    compiled = statement.compile(dialect=dialect)
    assert isinstance(compiled, SQLCompiler)
    processors: dict[str, Callable[[Any], Any]] = {
        name: processor
        for name, bind in compiled.binds.items()
        if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
    }
    return compiled, processors


def _merged(
    row: Mapping[str, Any],
    fixed: dict[str, Any],
    converted: list[tuple[str, Callable[[Any], Any]]],
) -> dict[str, Any]:
    merged = {**fixed, **row}
    for name, convert in converted:
        merged[name] = convert(merged[name])
    return merged


def _cached(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`processor` that converts each distinct value once (values must be hashable)."""
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        if value not in seen:
            seen[value] = processor(value)
        return seen[value]

    return convert
