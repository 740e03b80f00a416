"""YAML read with the line of every key and value, so problems can name file and line."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.resolver import Resolver

from bot.config.disclosure import bare, masked, showable, shown

Loc = tuple[str | int, ...]

# Far above any real config (anchors reused across a few hundred apps), far below what
# costs noticeable memory or time; a "billion laughs" file passes it within milliseconds.
MAX_ALIAS_VALUES = 10_000
# PyYAML composes (and we build) one level per call, so nesting is bounded before recursion.
MAX_DEPTH = 64
YAML_TAG = "tag:yaml.org,2002:"
_IMPLICIT = {
    tag.removeprefix(YAML_TAG): regexp
    for found in Resolver.yaml_implicit_resolvers.values()
    for tag, regexp in found
}
# PyYAML's constructors for these tags assume the text matched the tag's implicit pattern
# and fail in arbitrary ways (IndexError, KeyError, AttributeError) when it does not.
SHAPES = {
    f"{YAML_TAG}int": [_IMPLICIT["int"]],
    f"{YAML_TAG}float": [_IMPLICIT["float"], _IMPLICIT["int"]],  # !!float 1 is 1.0
    f"{YAML_TAG}bool": [_IMPLICIT["bool"]],
    f"{YAML_TAG}timestamp": [_IMPLICIT["timestamp"]],
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file, at a line when known."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.reason}"


class ConfigError(Exception):
    """The config file was refused; `problems` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing nesting deeper than MAX_DEPTH before it recurses."""

    depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"values are nested more than {MAX_DEPTH} levels deep", mark
                )
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class YamlDocument:
    """YAML text turned into plain data plus the line of every key and value."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: dict[Loc, int] = {}
        self.key_lines: dict[Loc, int] = {}
        self.problems: list[Problem] = []
        self.quiet: set[Loc] = set()
        self.data: Any = None
        self._built: set[int] = set()
        self._expanded = 0

    def read(self, text: str) -> Any:
        """Compose the text and construct its data, recording lines and duplicate keys.

        Raises ConfigError when the text is not YAML or expands too far through aliases.
        """
        try:
            loader = _Loader(text)
        except yaml.YAMLError as exc:  # a character YAML does not allow, found up front
            raise self._not_yaml(exc, text) from None
        try:
            root = loader.get_single_node()
            self.data = None if root is None else self._build(loader, root, (), set())
            return self.data
        except yaml.YAMLError as exc:
            raise self._not_yaml(exc, text) from None
        finally:
            loader.dispose()

    def line(self, loc: Loc) -> int | None:
        """The line of the key naming `loc`, else of its value, else of its nearest parent."""
        while loc not in self.key_lines and loc not in self.lines and loc:
            loc = loc[:-1]
        return self.key_lines.get(loc) or self.lines.get(loc)

    def add(self, loc: Loc, reason: str, *, line: int | None = None) -> None:
        """Record a problem at `loc` (or at an explicit line)."""
        prefix = f"{path_text(loc, self.data)}: " if loc else ""
        where = line if line is not None else self.line(loc)
        self.problems.append(Problem(self.source, where, prefix + reason))

    def _not_yaml(self, exc: yaml.YAMLError, text: str) -> ConfigError:
        line: int | None = None
        if isinstance(exc, yaml.reader.ReaderError):
            line = text.count("\n", 0, exc.position) + 1
            reason = f"unacceptable character #x{exc.character:04x}: {exc.reason}"
        elif isinstance(exc, yaml.MarkedYAMLError):
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            reason = exc.problem or str(exc)
            if exc.context:
                reason += f" ({exc.context})"
            plain = _plain_yaml(reason)
            if plain is not None:  # our own words: nothing of the file in them to hide
                return ConfigError([Problem(self.source, line, f"not valid YAML: {plain}")])
        else:
            reason = str(exc)
        return ConfigError([Problem(self.source, line, f"not valid YAML: {masked(reason)}")])

    def _build(self, loader: yaml.SafeLoader, node: yaml.Node, loc: Loc, seen: set[int]) -> Any:
        self.lines[loc] = node.start_mark.line + 1
        if id(node) in seen:
            return self._unreadable(loc, "an alias refers to itself; write the value out instead")
        self._count(node, loc)
        seen = seen | {id(node)}
        if isinstance(node, yaml.SequenceNode):
            return [self._build(loader, item, (*loc, i), seen) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            return self._mapping(loader, node, loc, seen)
        return self._scalar(loader, node, loc)

    def _count(self, node: yaml.Node, loc: Loc) -> None:
        """Refuse the file once aliases have repeated more than MAX_ALIAS_VALUES values."""
        if id(node) not in self._built:
            self._built.add(id(node))
            return
        self._expanded += 1
        if self._expanded > MAX_ALIAS_VALUES:
            reason = (
                f"the file expands to more than {MAX_ALIAS_VALUES:,} values through aliases "
                "(*name); write the values out"
            )
            raise ConfigError([Problem(self.source, self._key_line(loc), reason)])

    def _key_line(self, loc: Loc) -> int | None:
        """The line of the nearest key holding `loc`: where an alias is used, not defined."""
        while loc and loc not in self.key_lines:
            loc = loc[:-1]
        return self.key_lines.get(loc) or self.lines.get(loc)

    def _scalar(self, loader: yaml.SafeLoader, node: yaml.Node, loc: Loc) -> Any:
        if node.tag not in loader.yaml_constructors:
            return self._unreadable(loc, f"the tag {_tag_text(node.tag)} is not supported")
        what = f"cannot read {shown(node.value, loc)} as {_tag_text(node.tag)}"
        if not _fits(node):
            return self._unreadable(loc, what)
        try:
            return loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as exc:
            # The library's detail quotes the value, so it is kept only when the value is.
            detail = getattr(exc, "problem", None) or str(exc)
            visible = showable(node.value, loc)
            return self._unreadable(loc, f"{what}: {masked(detail)}" if visible else what)

    def _unreadable(self, loc: Loc, reason: str) -> None:
        self.quiet.add(loc)
        self.add(loc, reason)

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
                self.add(loc, f"key {shown(key)} should be a word like 'name'", line=key_line)
                continue
            if key in result:
                first = self.key_lines[(*loc, key)]
                self.add(
                    loc,
                    f"duplicate key {shown(key)} (first at line {first}); "
                    "YAML would silently keep only the last one",
                    line=key_line,
                )
                continue
            self.key_lines[(*loc, key)] = key_line
            result[key] = self._build(loader, value_node, (*loc, key), seen)
        self.lines.pop((*loc, "<key>"), None)
        return result


# What PyYAML says of the commonest slips, in the words of someone editing the file.
YAML_SLIPS = (
    ("found character '\\t'", "a tab: YAML indents with spaces only"),
    (
        "mapping values are not allowed here",
        "a ':' where none can be: check this line's indentation against the lines above "
        "(keys of one mapping start in the same column), or quote a value that holds ': '",
    ),
    (
        "could not find expected ':'",
        "a line that is not 'key: value' where one is expected: check its indentation, or a "
        "missing ':' after a key",
    ),
    (
        "expected <block end>",
        "this line's indentation does not match the lines around it (keys of one mapping "
        "start in the same column; list items start with '- ' in the same column)",
    ),
    ("did not find expected key", "a key is expected here: check the indentation"),
    ("did not find expected '-' indicator", "a list item ('- …') is expected here"),
)


def _plain_yaml(reason: str) -> str | None:
    """Plain words for a common slip PyYAML describes in its own, or None."""
    return next((words for slip, words in YAML_SLIPS if slip in reason), None)


def path_text(loc: Loc, data: Any = None) -> str:
    """A location as people write it, list items by their key where they have one:
    apps[figma].tiers[pro].approval (apps[0].tiers[1] when they have none)."""
    text, here = "", data
    for part in loc:
        if isinstance(part, int):
            item = here[part] if isinstance(here, list) and part < len(here) else None
            key = item.get("key") if isinstance(item, dict) else None
            safe = isinstance(key, str) and KEY_LIKE.match(key) and showable(key)
            shown_key = key if safe else None
            text += f"[{shown_key if shown_key else part}]"
        else:
            text += f".{bare(part)}" if text else bare(part)
            item = here.get(part) if isinstance(here, dict) else None
        here = item
    return text


KEY_LIKE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")  # an app or tier key, safe to show


def _tag_text(tag: str) -> str:
    """A tag as written in the file (!!int, !mine), or a mention when it may be a secret."""
    marks, name = ("!!", tag.removeprefix(YAML_TAG)) if tag.startswith(YAML_TAG) else ("", tag)
    return marks + name if showable(name.lstrip("!")) else "on this value"


def _fits(node: yaml.Node) -> bool:
    patterns = SHAPES.get(node.tag)
    return patterns is None or any(pattern.match(node.value) for pattern in patterns)
