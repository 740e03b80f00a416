"""SCIM 2.0 (RFC 7643/7644) basics: schema URNs, errors, and attribute paths.

An attribute path (`userName`, `emails.value`, `urn:…:enterprise:2.0:User:manager.value`)
names an attribute of a resource as its JSON has it: the core schema's attributes at the
top, an extension's under its URN. Names are matched whatever their case, as RFC 7643 §2.1
says, because identity providers write them in every case.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
SCHEMAS = (USER, ENTERPRISE)
# attrPath = [URI ":"] ATTRNAME *1subAttr (RFC 7644 §3.10); "$ref" is a sub-attribute too.
_NAME = r"\$?[A-Za-z][\w$-]*"
_PATH = re.compile(rf"(?P<attr>{_NAME})(?:\.(?P<sub>{_NAME}))?")


class ScimProblem(Exception):
    """A request SCIM refuses: the HTTP status, RFC 7644's `scimType` (if any) and why."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail, self.scim_type = status, detail, scim_type

    def body(self) -> dict[str, Any]:
        """The error as RFC 7644 §3.12 writes it."""
        body: dict[str, Any] = {"schemas": [ERROR], "status": str(self.status)}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body | {"detail": self.detail}


def invalid(detail: str, scim_type: str = "invalidValue") -> ScimProblem:
    """A 400 with `scimType` (invalidValue unless said otherwise)."""
    return ScimProblem(400, detail, scim_type)


@dataclass(frozen=True)
class AttrPath:
    """An attribute, maybe one of its sub-attributes, in the core schema or an extension."""

    schema: str  # USER or ENTERPRISE
    attr: str | None  # None: the whole extension (a PATCH value for its URN)
    sub: str | None = None

    def __str__(self) -> str:
        name = ".".join(part for part in (self.attr, self.sub) if part)
        return name if self.schema == USER else f"{self.schema}:{name}".rstrip(":")


def parse_path(text: str) -> AttrPath:
    """The attribute path `text` names; 400 invalidPath when it names none."""
    schema, rest = USER, text.strip()
    for urn in SCHEMAS:
        if rest.lower() == urn.lower():
            return AttrPath(urn, None)
        if rest.lower().startswith(urn.lower() + ":"):
            schema, rest = urn, rest[len(urn) + 1 :]
    match = _PATH.fullmatch(rest)
    if match is None:
        raise invalid(f"{text!r} is not an attribute path", "invalidPath")
    return AttrPath(schema, match["attr"], match["sub"])


def key_in(mapping: dict[str, Any], name: str) -> str | None:
    """The key of `mapping` that is `name` whatever its case, or None."""
    if name in mapping:
        return name
    wanted = name.lower()
    return next((key for key in mapping if key.lower() == wanted), None)


def get(mapping: dict[str, Any], name: str) -> Any:
    """`mapping[name]` whatever the key's case; None when absent."""
    key = key_in(mapping, name)
    return None if key is None else mapping[key]


def container(resource: dict[str, Any], path: AttrPath, *, create: bool = False) -> Any:
    """The object holding the path's attribute: the resource, or its extension's part."""
    if path.schema == USER:
        return resource
    key = key_in(resource, path.schema)
    if key is None:
        if not create:
            return None
        key = path.schema
        resource[key] = {}
    return resource[key]


def values(resource: dict[str, Any], path: AttrPath) -> list[Any]:
    """Every value the path reaches, multi-valued attributes flattened (empty when none).

    A name the core schema does not have is looked for in the enterprise extension too
    (`manager.value`), as identity providers often leave its URN out.
    """
    holder = container(resource, path)
    if path.schema == USER and path.attr and key_in(resource, path.attr) is None:
        extension = get(resource, ENTERPRISE)
        if isinstance(extension, dict) and key_in(extension, path.attr) is not None:
            holder = extension
    if not isinstance(holder, dict) or path.attr is None:
        return [] if path.attr is not None or holder is None else [holder]
    found = list(_each(get(holder, path.attr)))
    if path.sub is None:
        return found
    return [v for item in found if isinstance(item, dict) for v in _each(get(item, path.sub))]


def _each(value: Any) -> Iterator[Any]:
    if isinstance(value, list):
        yield from (v for v in value if v is not None)
    elif value is not None:
        yield value
