"""YAML read with the line of every key and value, so problems can name file and line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file, at a line when known."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.reason}"


class YamlDocument:
    """YAML text turned into plain data plus the line of every key and value."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: dict[Loc, int] = {}
        self.key_lines: dict[Loc, int] = {}
        self.problems: list[Problem] = []
        self.quiet: set[Loc] = set()
        self.data: Any = None

    def read(self, text: str) -> Any:
        """Compose the text and construct its data, recording lines and duplicate keys."""
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            self.data = None if root is None else self._build(loader, root, (), set())
            return self.data
        finally:
            loader.dispose()

    def line(self, loc: Loc) -> int | None:
        """The line of the key naming `loc`, else of its value, else of its nearest parent."""
        while loc not in self.key_lines and loc not in self.lines and loc:
            loc = loc[:-1]
        return self.key_lines.get(loc) or self.lines.get(loc)

    def add(self, loc: Loc, reason: str, *, line: int | None = None) -> None:
        """Record a problem at `loc` (or at an explicit line)."""
        prefix = f"{path_text(loc)}: " if loc else ""
        where = line if line is not None else self.line(loc)
        self.problems.append(Problem(self.source, where, prefix + reason))

    def _build(self, loader: yaml.SafeLoader, node: yaml.Node, loc: Loc, seen: set[int]) -> Any:
        self.lines[loc] = node.start_mark.line + 1
        if id(node) in seen:
            self.add(loc, "an alias refers to itself; write the value out instead")
            return None
        seen = seen | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            return [self._build(loader, item, (*loc, i), seen) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            return self._mapping(loader, node, loc, seen)
        try:
            return loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as exc:
            self.quiet.add(loc)
            self.add(loc, f"cannot read value {node.value!r}: {getattr(exc, 'problem', exc)}")
            return None

    def _mapping(
        self, loader: yaml.SafeLoader, node: yaml.MappingNode, loc: Loc, seen: set[int]
    ) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.add(
                    loc, "YAML merge keys (<<) are not supported; write the keys out", line=key_line
                )
                continue
            key = self._build(loader, key_node, (*loc, "<key>"), seen)
            if not isinstance(key, str):
                self.add(loc, f"key {show(key)} should be a word like 'name'", line=key_line)
                continue
            if key in result:
                first = self.key_lines[(*loc, key)]
                self.add(
                    loc,
                    f"duplicate key {key!r} (first at line {first}); "
                    "YAML would silently keep only the last one",
                    line=key_line,
                )
                continue
            self.key_lines[(*loc, key)] = key_line
            result[key] = self._build(loader, value_node, (*loc, key), seen)
        self.lines.pop((*loc, "<key>"), None)
        return result


def path_text(loc: Loc) -> str:
    """A location as people write it: apps[0].tiers[1].approval."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def show(value: Any) -> str:
    """A value as a config author would recognise it."""
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    if value is None or isinstance(value, bool):
        return {None: "nothing (null)", True: "true", False: "false"}[value]
    return repr(value) if isinstance(value, str) else str(value)
