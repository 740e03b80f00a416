"""Many rows through one Core statement at the driver's pace, for bulk writes (imports).

SQLAlchemy's own executemany builds and converts every row's parameters in Python, which costs
more than the database's work for a short statement. Here the statement is compiled once, each
distinct value of a typed parameter converted once (a bulk write repeats few dates), and the
rows handed to the driver's executemany as they are.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam
from sqlalchemy.sql import ClauseElement, Insert, Select
from sqlalchemy.sql.compiler import SQLCompiler

# Rows per INSERT of arrays on PostgreSQL.
ARRAY_ROWS = 10_000
# A parameter as SQLAlchemy writes it for psycopg, with its type: %(name)s::VARCHAR.
_PLACEHOLDER = re.compile(r"%\((\w+)\)s(::[A-Z][A-Z ]*[A-Z])?")


def bound(names: Iterable[str]) -> dict[str, Any]:
    """Each column of `names` bound to a parameter named new_NAME (`bound_names`), for an
    INSERT's or UPDATE's values: a compiled INSERT's parameter may not take its column's name."""
    return {name: bindparam(f"new_{name}") for name in names}


def bound_names(names: Iterable[str]) -> tuple[str, ...]:
    """The parameters `bound` gives these columns, in their order (for `execute_values`)."""
    return tuple(f"new_{name}" for name in names)


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
    (no mapping built per row); return the rows changed.

    On PostgreSQL an INSERT sends its rows as one array per column (`unnest`): the driver's
    executemany is a round trip per row, slower than the database's work.
    """
    if not rows:
        return 0
    plan = _plan(connection, statement, tuple(names))
    if plan.columns is None:
        return int(connection.exec_driver_sql(plan.sql, list(map(plan.driver, rows))).rowcount)
    written = 0
    for start in range(0, len(rows), ARRAY_ROWS):
        values = map(plan.values, rows[start : start + ARRAY_ROWS])
        arrays = tuple(list(column) for column in zip(*values, strict=True))
        written += connection.exec_driver_sql(plan.columns, arrays).rowcount
    return written


def select_once(
    connection: Connection, statement: Select[Any], row: Mapping[str, Any]
) -> list[tuple[Any, ...]]:
    """The rows `statement` selects with these parameters (built as `execute_many` builds
    them, for a query with many, such as a long IN), each distinct value converted once."""
    names = tuple(row)
    plan = _plan(connection, statement, names)
    values = tuple(row[name] for name in names)
    found = connection.exec_driver_sql(plan.sql, plan.driver(values)).fetchall()
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


@dataclass(frozen=True)
class _Plan:
    """How rows of given parameters become what the driver takes for one statement."""

    sql: str  # the statement
    order: list[str]  # the statement's parameters, in the driver's order
    # Each parameter: the row's value at an index, converted or as it is, or (index -1) the
    # statement's own value.
    slots: list[tuple[int, Callable[[Any], Any] | None, Any]]
    positional: bool  # SQLite's ?: a tuple in the statement's order, else a mapping
    columns: str | None = None  # an INSERT of arrays of values, one per column (PostgreSQL)

    def values(self, row: Sequence[Any]) -> list[Any]:
        """The row's parameters in the statement's order, converted."""
        return [
            const if index < 0 else (conv(row[index]) if conv else row[index])
            for index, conv, const in self.slots
        ]

    def driver(self, row: Sequence[Any]) -> Any:
        """The row as the driver takes it for one execution of `sql`."""
        values = self.values(row)
        return tuple(values) if self.positional else dict(zip(self.order, values, strict=True))


def _plan(connection: Connection, statement: ClauseElement, names: tuple[str, ...]) -> _Plan:
    """The plan for rows of the parameters `names`, each typed value converted (a distinct
    value once per call)."""
    compiled, processors = _compiled(statement, connection.dialect)
    given = {name: index for index, name in enumerate(names)}
    convert = {name: _cached(processor) for name, processor in processors.items()}
    slots: list[tuple[int, Callable[[Any], Any] | None, Any]] = []
    order = list(compiled.positiontup or compiled.params)
    own = {**compiled.params, **_defaults(compiled)}
    for name in order:
        if name in given:
            slots.append((given[name], convert.get(name), None))
        else:
            value = own[name]
            slots.append((-1, None, convert[name](value) if name in convert else value))
    positional = compiled.positiontup is not None
    columns = _as_arrays(compiled.string, order) if isinstance(statement, Insert) else None
    return _Plan(compiled.string, order, slots, positional, columns)


def _as_arrays(sql: str, order: list[str]) -> str | None:
    """PostgreSQL's INSERT … VALUES (%(a)s::T, …) as INSERT … SELECT * FROM unnest(%s::T[], …)
    (the ids it would return are not wanted), or None when the VALUES are not that simple."""
    head, values, group = sql.partition(" VALUES ")
    group = group.partition(" RETURNING ")[0]
    found = _PLACEHOLDER.findall(group)
    if not values or [name for name, _ in found] != order:
        return None
    if group != "(" + ", ".join(f"%({name})s{cast}" for name, cast in found) + ")":
        return None  # something other than typed parameters: a value written out, say
    if not all(found_cast for _, found_cast in found):
        return None  # an array's type would be guessed from its values
    arrays = ", ".join(f"%b{cast}[]" for _, cast in found)
    return f"{head} SELECT * FROM unnest({arrays})"


def _defaults(compiled: SQLCompiler) -> dict[str, Any]:
    """The values of the columns a row does not give that SQLAlchemy would fill in from their
    Python-side defaults when it runs the statement (only fixed values can be)."""
    found: dict[str, Any] = {}
    for column in [*compiled.insert_prefetch, *compiled.update_prefetch]:
        default = column.default if column in compiled.insert_prefetch else column.onupdate
        if default is None or not default.is_scalar:
            raise ValueError(f"{column.key}: only a fixed default can be written in bulk")
        found[column.key] = default.arg  # type: ignore[attr-defined]
    return found


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
