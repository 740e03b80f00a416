"""SCIM filters (RFC 7644 §3.4.2.2), parsed once and matched against resources' JSON.

    filter   = or-expr
    or-expr  = and-expr *("or" and-expr)
    and-expr = unary *("and" unary)
    unary    = "not" "(" filter ")" / "(" filter ")" / attrPath "[" filter "]"
             / attrPath "pr" / attrPath compareOp compValue

Operators and attribute names are matched whatever their case; string values are compared
ignoring case, except for `id` and `externalId` (case-exact in RFC 7643). A filter that does
not parse is a 400 with scimType invalidFilter.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Protocol

from workflows.scim import AttrPath, ScimProblem, parse_path, values

MAX_FILTER = 4096  # characters: far more than any identity provider sends
COMPARE = {"eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"}
CASE_EXACT = {"id", "externalid"}
_TOKEN = re.compile(
    r'\s*(?:(?P<punct>[()\[\]])|(?P<string>"(?:[^"\\]|\\.)*")|(?P<word>[^\s()\[\]"]+))'
)
_NUMBER = re.compile(r"-?\d{1,15}(\.\d{1,15})?")
_LITERALS = {"true": True, "false": False, "null": None}


class Filter(Protocol):
    def matches(self, resource: dict[str, Any]) -> bool: ...


def bad_filter(detail: str) -> ScimProblem:
    """A 400 with scimType invalidFilter."""
    return ScimProblem(400, detail, "invalidFilter")


@dataclass(frozen=True)
class Compare:
    path: AttrPath
    op: str
    value: Any

    def matches(self, resource: dict[str, Any]) -> bool:
        found = [_scalar(v) for v in values(resource, self.path)]
        if self.op == "ne":
            return not any(_compare("eq", v, self.value, self._exact) for v in found)
        if self.op == "eq" and self.value is None:
            return not found
        return any(_compare(self.op, v, self.value, self._exact) for v in found)

    @property
    def _exact(self) -> bool:
        return self.path.sub is None and (self.path.attr or "").lower() in CASE_EXACT


@dataclass(frozen=True)
class Present:
    path: AttrPath

    def matches(self, resource: dict[str, Any]) -> bool:
        return any(v not in ("", [], {}) for v in values(resource, self.path))


@dataclass(frozen=True)
class ValuePath:
    path: AttrPath
    inner: Filter

    def matches(self, resource: dict[str, Any]) -> bool:
        items = values(resource, self.path)
        return any(isinstance(item, dict) and self.inner.matches(item) for item in items)


@dataclass(frozen=True)
class Logical:
    op: str  # and, or
    left: Filter
    right: Filter

    def matches(self, resource: dict[str, Any]) -> bool:
        if self.op == "and":
            return self.left.matches(resource) and self.right.matches(resource)
        return self.left.matches(resource) or self.right.matches(resource)


@dataclass(frozen=True)
class Not:
    inner: Filter

    def matches(self, resource: dict[str, Any]) -> bool:
        return not self.inner.matches(resource)


def parse_filter(text: str) -> Filter:
    """The filter `text` says; 400 invalidFilter when it says none."""
    if len(text) > MAX_FILTER:
        raise bad_filter(f"a filter is at most {MAX_FILTER} characters")
    parser = _Parser(_tokens(text))
    found = parser.or_expr()
    if parser.peek() is not None:
        raise bad_filter(f"unexpected {parser.peek()!r} in the filter")
    return found


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, at = [], 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if match is None:
            raise bad_filter(f"cannot read the filter from {text[at : at + 20]!r}")
        kind = match.lastgroup or "word"
        tokens.append((kind, match[kind]))
        at = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.at = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise bad_filter("the filter ends too soon")
        self.at += 1
        return self.tokens[self.at - 1]

    def expect(self, punct: str) -> None:
        if self.take()[1] != punct:
            raise bad_filter(f"expected {punct!r} in the filter")

    def or_expr(self) -> Filter:
        found = self.and_expr()
        while (self.peek() or "").lower() == "or":
            self.take()
            found = Logical("or", found, self.and_expr())
        return found

    def and_expr(self) -> Filter:
        found = self.unary()
        while (self.peek() or "").lower() == "and":
            self.take()
            found = Logical("and", found, self.unary())
        return found

    def unary(self) -> Filter:
        kind, token = self.take()
        if kind == "word" and token.lower() == "not" and self.peek() == "(":
            self.take()
            inner = self.or_expr()
            self.expect(")")
            return Not(inner)
        if token == "(":
            inner = self.or_expr()
            self.expect(")")
            return inner
        if kind != "word":
            raise bad_filter(f"expected an attribute name, not {token!r}")
        return self.attr_expr(token)

    def attr_expr(self, name: str) -> Filter:
        try:
            path = parse_path(name)
        except ScimProblem as problem:
            raise bad_filter(problem.detail) from None
        if self.peek() == "[":
            self.take()
            inner = self.or_expr()
            self.expect("]")
            return ValuePath(path, inner)
        op = self.take()[1].lower()
        if op == "pr":
            return Present(path)
        if op not in COMPARE:
            raise bad_filter(f"{op!r} is not a filter operator")
        return Compare(path, op, _literal(*self.take()))


def _literal(kind: str, token: str) -> Any:
    if kind == "string":
        return json.loads(token)
    if token.lower() in _LITERALS:
        return _LITERALS[token.lower()]
    try:
        return (
            json.loads(token)
            if re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", token)
            else _no(token)
        )
    except ValueError:
        return _no(token)


def _no(token: str) -> Any:
    raise bad_filter(f"{token!r} is not a value: strings are written in double quotes")


def _scalar(value: Any) -> Any:
    """A complex value compares by its `value` sub-attribute (RFC 7644 §3.4.2.2)."""
    return value.get("value") if isinstance(value, dict) else value


def _compare(op: str, found: Any, wanted: Any, exact: bool) -> bool:
    if isinstance(found, str) and isinstance(wanted, str):
        if not exact:
            found, wanted = found.lower(), wanted.lower()
        return _strings(op, found, wanted)
    if isinstance(wanted, bool) or isinstance(found, bool) or wanted is None:
        if op not in ("eq",):
            raise bad_filter(f"{op} does not compare true, false or null")
        return bool(found == wanted)
    if isinstance(found, int | float) and isinstance(wanted, int | float):
        return _ordered(op, found, wanted)
    return False


def _strings(op: str, found: str, wanted: str) -> bool:
    if op == "co":
        return wanted in found
    if op == "sw":
        return found.startswith(wanted)
    if op == "ew":
        return found.endswith(wanted)
    return _ordered(op, found, wanted)


def _ordered(op: str, found: Any, wanted: Any) -> bool:
    if op == "eq":
        return bool(found == wanted)
    if op in ("co", "sw", "ew"):
        raise bad_filter(f"{op} compares strings only")
    return {
        "gt": found > wanted,
        "ge": found >= wanted,
        "lt": found < wanted,
        "le": found <= wanted,
    }[op]
