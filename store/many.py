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
    names = tuple(rows[0])
    pick = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    return execute_values(connection, statement, names, [pick(row) for row in rows])


def execute_values(
    connection: Connection,
    statement: ClauseElement,
    names: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> int:
    """`execute_many` for rows given as sequences of the parameters `names`, in that order
    (no mapping built per row); return the rows changed."""
    if not rows:
        return 0
    sql, shape = _shaper(connection, statement, tuple(names))
    return int(connection.exec_driver_sql(sql, [shape(row) for row in rows]).rowcount)


def select_once(
    connection: Connection, statement: Select[Any], row: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """The rows `statement` selects with these parameters (built as `execute_many` builds
    them, for a query with many, such as a long IN), each distinct value converted once."""
    names = tuple(row)
    sql, shape = _shaper(connection, statement, names)
    found = connection.exec_driver_sql(sql, shape(tuple(row[name] for name in names))).fetchall()
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


def _shaper(
    connection: Connection, statement: ClauseElement, names: tuple[str, ...]
) -> tuple[str, Callable[[Sequence[Any]], Any]]:
    """The statement's SQL, and what turns a row of the parameters `names` into what the
    driver takes (a tuple in the statement's order for SQLite's ?, else a mapping), each typed
    value converted, a distinct value once per call."""
    compiled, processors = _compiled(statement, connection.dialect)
    given = {name: index for index, name in enumerate(names)}
    convert = {name: _cached(processor) for name, processor in processors.items()}
    # Each parameter is a row's value (converted, or as it is) or the statement's own.
    slots: list[tuple[int, Callable[[Any], Any] | None, Any]] = []
    order = list(compiled.positiontup or compiled.params)
    for name in order:
        if name in given:
            slots.append((given[name], convert.get(name), None))
        else:
            value = compiled.params[name]
            slots.append((-1, None, convert[name](value) if name in convert else value))
    if all(index >= 0 and conv is None for index, conv, _ in slots):
        plain = [index for index, _, _ in slots]
        if plain == list(range(len(names))) and compiled.positiontup is not None:
            return compiled.string, tuple  # already in order, nothing to convert

    def shape(row: Sequence[Any]) -> Any:
        values = [
            const if index < 0 else (conv(row[index]) if conv else row[index])
            for index, conv, const in slots
        ]
        return (
            tuple(values)
            if compiled.positiontup is not None
            else dict(zip(order, values, strict=True))
        )

    return compiled.string, shape


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


def _cached(processor: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`processor` that converts each distinct value once (an unhashable one, such as a JSON
    document, each time)."""
    seen: dict[Any, Any] = {}

    def convert(value: Any) -> Any:
        try:
            return seen[value]
        except KeyError:
            seen[value] = converted = processor(value)
            return converted
        except TypeError:
            return processor(value)

    return convert
