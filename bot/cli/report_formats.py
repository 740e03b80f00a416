"""A report's rows as a terminal table, CSV or JSON.

CSV and JSON spell values the same way: ISO dates, times in UTC as ISO 8601 with `Z`, money
with two decimals and no symbol. The table is for reading: money with thousands separators,
yes/no, and the currency in each money column's header.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from workflows.figures import CENT
from workflows.reports import FILTERS, Filters, Report

FORMATS = ("table", "csv", "json")
YEARLY = frozenset({"yearly_saving"})  # money per year; every other money column is per month
SHORTENED = {"hash": 13}  # a table shows only the start of these (the full value in CSV, JSON)
GAP = 2  # a table column's padding, shared with its neighbour's, and the divider
NARROWEST_TEXT = 6  # below this a text column is more fold than text
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render(
    rows: Report, format: str, *, filters: Filters, currency: str, now: dt.datetime, width: int
) -> str:
    """The report's text in `format` (one of FORMATS); `width` is the table's."""
    if format == "csv":
        return _csv(rows)
    if format == "json":
        return _json(rows, filters, currency=currency, now=now)
    return _table(rows, currency=currency, width=width)


def count(rows: int) -> str:
    """`1 row`, `3 rows`."""
    return f"{rows} row" if rows == 1 else f"{rows} rows"


def _table(rows: Report, *, currency: str, width: int) -> str:
    headers = [_header(name, rows, currency) for name in rows.columns]
    cells = [
        [_shown(row[name], money=name in rows.money) for name in rows.columns] for row in rows.rows
    ]
    fixed = _fixed_widths(rows, headers, cells, width)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
    for index, name in enumerate(rows.columns):
        values = [row[name] for row in rows.rows if row[name] is not None]
        table.add_column(
            headers[index],
            justify="right" if values and all(map(_is_number, values)) else "left",
            width=fixed[index],
            overflow="ellipsis" if name in SHORTENED else "fold",
            no_wrap=name in SHORTENED,
        )
    for line in cells:
        table.add_row(*line)
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, highlight=False)
    console.print(table)
    console.print(count(len(rows.rows)))
    return buffer.getvalue()


def _header(name: str, rows: Report, currency: str) -> str:
    # Spaces, not underscores, so a narrow column wraps its header between words.
    header = name.replace("_", " ")
    if name in rows.money:
        header += f" ({currency}/{'year' if name in YEARLY else 'month'})"
    return header


def _fixed_widths(
    rows: Report, headers: list[str], cells: list[list[str]], width: int
) -> list[int | None]:
    """Widths of the columns that must not fold (numbers, dates, flags); None: text, may fold.

    Rich narrows the widest columns first, whatever they hold, and a date or an amount split
    over two lines is easily misread. So those keep their width while text columns fold; when
    the terminal is too narrow for all of them, the widest give way first and dates last.
    """
    natural = [
        max([len(word) for word in header.split()] + [len(line[index]) for line in cells])
        for index, header in enumerate(headers)
    ]
    fixed: dict[int, int] = {}
    dated: set[int] = set()
    for index, name in enumerate(rows.columns):
        values = [row[name] for row in rows.rows if row[name] is not None]
        if name in SHORTENED:
            fixed[index] = SHORTENED[name]
        elif all(not isinstance(v, str) for v in values):
            fixed[index] = natural[index]
            if any(isinstance(v, dt.date) for v in values):
                dated.add(index)
    for index in sorted(fixed, key=lambda i: (i in dated, -fixed[i])):
        least = sum(fixed.get(i, min(n, NARROWEST_TEXT)) for i, n in enumerate(natural))
        if least + GAP * (len(natural) - 1) <= width:
            break
        del fixed[index]
    return [fixed.get(index) for index in range(len(natural))]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _shown(value: Any, *, money: bool) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if money and isinstance(value, Decimal):
        return f"{value.quantize(CENT):,}"
    return _plain(value)


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _csv(rows: Report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(rows.columns)
    for row in rows.rows:
        writer.writerow(_cell(row[name]) for name in rows.columns)
    return buffer.getvalue()


def _cell(value: Any) -> str:
    text = _plain(value)
    if isinstance(value, str) and text.startswith(FORMULA_START):
        return "'" + text  # shown as text, never run: these values come from people
    return text


def _json(rows: Report, filters: Filters, *, currency: str, now: dt.datetime) -> str:
    document = {
        "report": rows.kind,
        "currency": currency,
        "generated_at": _plain(now),
        "filters": {name: _json_value(getattr(filters, name)) for name in FILTERS[rows.kind]},
        "rows": [{name: _json_value(row[name]) for name in rows.columns} for row in rows.rows],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _json_value(value: Any) -> Any:
    # Numbers and booleans stay JSON's own; money is a string so no decimal is lost.
    if value is None or isinstance(value, bool | int | str):
        return value
    return _plain(value)
