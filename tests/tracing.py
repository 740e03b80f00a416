"""Which fields of a vendor's JSON answers a connector reads, for the contract tests.

`traced(answer, "", reads)` wraps a parsed JSON answer so that every field read from it adds its
dotted path to `reads`: `seats[].assignee.login` (`[]` is any item of a list), and `*` for any
key of a map read through `items()` or `values()` (`billable_info.*.billing_active`). Testing
`key in answer` counts as reading `key`. `value_paths` lists the paths a JSON value has, in the
same notation, so reads can be compared with what a vendor documents.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


class TracedDict(dict[str, Any]):
    """A JSON object that notes which of its fields are read."""

    def __init__(self, data: dict[str, Any], path: str, reads: set[str]) -> None:
        super().__init__(data)
        self._path, self._reads = path, reads

    def _at(self, key: str) -> str:
        path = f"{self._path}.{key}" if self._path else key
        self._reads.add(path)
        return path

    def __getitem__(self, key: str) -> Any:
        return traced(super().__getitem__(key), self._at(key), self._reads)

    def get(self, key: str, default: Any = None) -> Any:
        return traced(super().get(key, default), self._at(key), self._reads)

    def __contains__(self, key: object) -> bool:
        self._at(str(key))
        return super().__contains__(key)

    def items(self) -> Any:
        path = self._at("*")
        return [(key, traced(value, path, self._reads)) for key, value in super().items()]

    def values(self) -> Any:
        path = self._at("*")
        return [traced(value, path, self._reads) for value in super().values()]


class TracedList(list[Any]):
    """A JSON array whose items, once iterated, note the fields read from them."""

    def __init__(self, data: list[Any], path: str, reads: set[str]) -> None:
        super().__init__(data)
        self._path, self._reads = path, reads

    def __iter__(self) -> Iterator[Any]:
        return (traced(item, f"{self._path}[]", self._reads) for item in list.__iter__(self))


def traced(value: Any, path: str, reads: set[str]) -> Any:
    """`value` wrapped so that reading its fields adds their paths to `reads`."""
    if isinstance(value, dict):
        return TracedDict(value, path, reads)
    if isinstance(value, list):
        return TracedList(value, path, reads)
    return value


def value_paths(value: Any, prefix: str = "") -> set[str]:
    """Every field path in a JSON value, in the same notation."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            path = f"{prefix}.{key}" if prefix else key
            found |= {path} | value_paths(item, path)
    elif isinstance(value, list):
        for item in value:
            found |= value_paths(item, f"{prefix}[]")
    return found
