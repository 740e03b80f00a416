"""SCIM PATCH (RFC 7644 §3.5.2) applied to a resource's JSON, as identity providers send it.

A PatchOp's operations are applied in order to a copy of the resource; the caller then takes
the result as it takes a PUT. Operation names are matched whatever their case ("Replace",
"Add"), an operation without `path` sets each attribute its value object names (the keys may
be paths themselves, `name.givenName` or an extension URN and attribute), and a path may
select elements of a multi-valued attribute with a filter: `emails[type eq "work"].value`.
A replace through such a filter that selects nothing adds the element the filter describes,
as Microsoft Entra expects.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from workflows.scim import AttrPath, ScimProblem, container, get, invalid, key_in, parse_path
from workflows.scim_filter import Compare, Filter, parse_filter

OPS = ("add", "replace", "remove")
MAX_OPERATIONS = 100
READ_ONLY = {"id", "meta", "schemas"}


@dataclass(frozen=True)
class PatchPath:
    """Where an operation applies: an attribute, maybe through a filter on its elements."""

    path: AttrPath
    where: Filter | None = None
    sub: str | None = None  # the sub-attribute of each selected element


def apply_patch(resource: dict[str, Any], body: Any) -> dict[str, Any]:
    """The resource after the PatchOp `body`; 400 when the body or an operation is bad."""
    operations = get(body, "Operations") if isinstance(body, dict) else None
    if not isinstance(operations, list) or not operations:
        raise invalid("a PATCH body is a PatchOp with a list of Operations", "invalidSyntax")
    if len(operations) > MAX_OPERATIONS:
        raise invalid(f"a PATCH has at most {MAX_OPERATIONS} operations", "tooMany")
    patched = copy.deepcopy(resource)
    for operation in operations:
        _apply(patched, operation)
    return patched


def _apply(resource: dict[str, Any], operation: Any) -> None:
    if not isinstance(operation, dict):
        raise invalid("each operation is an object with op, path and value", "invalidSyntax")
    op = str(get(operation, "op") or "").lower()
    if op not in OPS:
        raise invalid(
            f"op must be add, replace or remove, not {get(operation, 'op')!r}", "invalidSyntax"
        )
    path, value = get(operation, "path"), get(operation, "value")
    if path is None:
        if op == "remove":
            raise invalid("a remove operation needs a path", "noTarget")
        if not isinstance(value, dict):
            raise invalid("an operation without a path takes an object of attributes")
        for key, each in value.items():
            _set(resource, parse_path(key), op, each)
        return
    if not isinstance(path, str):
        raise invalid("path must be a string", "invalidPath")
    target = parse_patch_path(path)
    if target.where is None:
        _set(resource, target.path, op, value)
    else:
        _through_filter(resource, target, op, value)


def parse_patch_path(text: str) -> PatchPath:
    """`attr`, `attr.sub`, `attr[filter]` or `attr[filter].sub`, with an optional URN."""
    if "[" not in text:
        return PatchPath(parse_path(text))
    head, _, rest = text.partition("[")
    inner, bracket, tail = rest.rpartition("]")
    if not bracket or (tail and not tail.startswith(".")):
        raise invalid(f"{text!r} is not a PATCH path", "invalidPath")
    path = parse_path(head)
    if path.sub is not None:
        raise invalid(f"{text!r} filters a sub-attribute", "invalidPath")
    return PatchPath(path, parse_filter(inner), tail[1:] or None)


def _set(resource: dict[str, Any], path: AttrPath, op: str, value: Any) -> None:
    if path.attr is None:  # a whole extension
        if op == "remove":
            resource.pop(key_in(resource, path.schema) or path.schema, None)
        elif isinstance(value, dict):
            for name, each in value.items():
                _set(resource, AttrPath(path.schema, parse_path(name).attr), op, each)
        return
    attr = path.attr or ""
    if attr.lower() in READ_ONLY and path.sub is None:
        return  # ignored, as RFC 7644 §3.5.2 lets a service provider do
    holder = container(resource, path, create=op != "remove")
    if not isinstance(holder, dict):
        return
    key = key_in(holder, attr) or attr
    if path.sub is not None:
        _set_sub(holder, key, path.sub, op, value)
    elif op == "remove":
        holder.pop(key, None)
    else:
        holder[key] = _combined(holder.get(key), value, add=op == "add")


def _set_sub(holder: dict[str, Any], key: str, sub: str, op: str, value: Any) -> None:
    current = holder.get(key)
    if current is None and op != "remove":
        current = holder[key] = {}
    for item in current if isinstance(current, list) else [current]:
        if isinstance(item, dict):
            _set_in(item, sub, op, value)


def _set_in(item: dict[str, Any], name: str, op: str, value: Any) -> None:
    key = key_in(item, name) or name
    if op == "remove":
        item.pop(key, None)
    else:
        item[key] = _combined(item.get(key), value, add=op == "add")


def _combined(current: Any, value: Any, *, add: bool) -> Any:
    """What an attribute holds after add or replace: lists grow on add, objects merge."""
    if add and isinstance(current, list):
        new = value if isinstance(value, list) else [value]
        return current + [item for item in new if item not in current]
    if isinstance(current, dict) and isinstance(value, dict):
        merged = dict(current)
        for name, each in value.items():
            merged[key_in(merged, name) or name] = each
        return merged
    return value


def _through_filter(resource: dict[str, Any], target: PatchPath, op: str, value: Any) -> None:
    holder = container(resource, target.path, create=op != "remove")
    attr = target.path.attr or ""
    if not isinstance(holder, dict):
        return
    key = key_in(holder, attr) or attr
    items = holder.get(key)
    items = items if isinstance(items, list) else []
    where = target.where
    assert where is not None
    chosen = [item for item in items if isinstance(item, dict) and where.matches(item)]
    if op == "remove":
        if target.sub is None:
            holder[key] = [item for item in items if not any(item is c for c in chosen)]
        for item in chosen:
            if target.sub:
                _set_in(item, target.sub, op, value)
        return
    if not chosen:
        chosen = [_described(where, target)]
        holder[key] = items + chosen
    for item in chosen:
        if target.sub:
            _set_in(item, target.sub, op, value)
        elif isinstance(value, dict):
            item.update({key_in(item, k) or k: v for k, v in value.items()})


def _described(where: Filter, target: PatchPath) -> dict[str, Any]:
    """The element a filter `sub eq "value"` describes, for a replace that selected none."""
    if isinstance(where, Compare) and where.op == "eq" and where.path.sub is None:
        return {where.path.attr or "": where.value}
    raise ScimProblem(400, f"no value of {target.path} matches the filter", "noTarget")
