"""A SCIM User is a Person: how one is written as the other.

`userName` is the person's email (stored lowercase, as every email is) and `emails` repeats
it, read-only; `displayName` (or `name.formatted`, or the given and family names) is their
name; `active` says whether they are still with the organisation; the enterprise
extension's `department` and `manager` are theirs. The manager may be given as the
manager's SCIM id, as an email, or as a bare string instead of an object. The SCIM id is the
person's id in Seatkeeper's directory. Attributes Seatkeeper does not keep are ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflows.model import Person
from workflows.scim import ENTERPRISE, USER, get, invalid, parse_path
from workflows.text import MAX_EMAIL, MAX_NAME, control_problem, length_problem, storable

MAX_EXTERNAL_ID = 255
TRUE, FALSE = {"true", "1"}, {"false", "0"}
ALWAYS = {"id", "schemas"}  # returned whatever `attributes` says (RFC 7643 §7)


@dataclass(frozen=True)
class UserFields:
    """What a User resource says about a person, as far as Seatkeeper keeps it."""

    user_name: str
    display_name: str
    active: bool
    external_id: str | None
    department: str
    manager: str | None  # the manager's SCIM id, email or other reference, as given


def user_fields(body: Any, *, active: bool = True) -> UserFields:
    """The fields of a User resource's JSON; 400 invalidValue when one is unusable.

    Without `active`, the person stays as they are (`active`): removing it never brings a
    leaver back nor makes someone a leaver.
    """
    if not isinstance(body, dict):
        raise invalid("a User is a JSON object", "invalidSyntax")
    user_name = get(body, "userName")
    if not isinstance(user_name, str) or not user_name.strip():
        raise invalid("userName is required: the person's email")
    extension = get(body, ENTERPRISE)
    extension = extension if isinstance(extension, dict) else {}
    fields = UserFields(
        user_name=_text(user_name.strip().lower(), "userName", MAX_EMAIL),
        display_name=storable(_text(_display_name(body), "displayName"), MAX_NAME),
        active=_boolean(get(body, "active"), "active", active),
        external_id=_text(get(body, "externalId"), "externalId", MAX_EXTERNAL_ID) or None,
        department=storable(_text(get(extension, "department"), "department"), MAX_NAME),
        manager=_manager(get(extension, "manager")),
    )
    return fields


def _display_name(body: dict[str, Any]) -> Any:
    shown = get(body, "displayName")
    if shown:
        return shown
    name = get(body, "name")
    if not isinstance(name, dict):
        return ""
    parts = [get(name, "givenName"), get(name, "familyName")]
    return get(name, "formatted") or " ".join(str(part) for part in parts if part)


def _text(value: Any, name: str, limit: int | None = None) -> str:
    """A string attribute; one that must fit a key (`limit`) is refused when it does not, or
    holds control characters. Names are cut and cleaned instead, as from any directory."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise invalid(f"{name} must be a string")
    if limit is not None and (problem := length_problem(value, name, limit)):
        raise invalid(problem)
    if limit is not None and (problem := control_problem(value, name)):
        raise invalid(problem)
    return value


def _boolean(value: Any, name: str, default: bool) -> bool:
    """True or false, also written as a string ("False"), as some identity providers do."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in TRUE | FALSE:
        return value.strip().lower() in TRUE
    raise invalid(f"{name} must be true or false")


def _manager(value: Any) -> str | None:
    if isinstance(value, dict):
        value = get(value, "value")
    if value is None or value == "":
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise invalid("manager is the manager's id or email, or an object with it as value")
    return _text(str(value).strip(), "manager", MAX_EMAIL) or None


def user_resource(person: Person, base: str, managers: Mapping[str, Person]) -> dict[str, Any]:
    """The person as a SCIM User; `managers` maps emails to people, to name the manager."""
    location = f"{base}/Users/{person.id}"
    resource: dict[str, Any] = {"schemas": [USER], "id": str(person.id)}
    if person.external_id:
        resource["externalId"] = person.external_id
    resource |= {"userName": person.email, "active": person.active}
    if person.name:
        resource["displayName"] = person.name
    resource["emails"] = [{"value": person.email, "type": "work", "primary": True}]
    extension = _enterprise(person, base, managers)
    if extension:
        resource["schemas"].append(ENTERPRISE)
        resource[ENTERPRISE] = extension
    meta: dict[str, Any] = {"resourceType": "User", "location": location}
    if person.pushed_at is not None:
        meta["lastModified"] = _when(person.pushed_at)
    resource["meta"] = meta
    return resource


def _enterprise(person: Person, base: str, managers: Mapping[str, Person]) -> dict[str, Any]:
    extension: dict[str, Any] = {}
    if person.department:
        extension["department"] = person.department
    if person.manager_email:
        manager = managers.get(person.manager_email)
        if manager is None or manager.deleted_at is not None:
            extension["manager"] = {"value": person.manager_email}
        else:
            extension["manager"] = {"value": str(manager.id), "$ref": f"{base}/Users/{manager.id}"}
            if manager.name:
                extension["manager"]["displayName"] = manager.name
    return extension


def _when(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def projected(
    resource: dict[str, Any], attributes: list[str], excluded: list[str]
) -> dict[str, Any]:
    """The resource with only `attributes` (when given) and without `excluded` ones."""
    if attributes:
        kept = {key: value for key, value in resource.items() if key.lower() in ALWAYS}
        for name in attributes:
            _copy(resource, kept, name)
        return kept
    shown = dict(resource)
    for name in excluded:
        path = parse_path(name)
        if path.sub is None and path.attr and path.attr.lower() not in ALWAYS:
            holder = shown if path.schema == USER else shown.get(path.schema)
            if isinstance(holder, dict):
                holder = {k: v for k, v in holder.items() if k.lower() != path.attr.lower()}
                if path.schema != USER:
                    shown[path.schema] = holder
                else:
                    shown = holder
    return shown


def _copy(resource: dict[str, Any], kept: dict[str, Any], name: str) -> None:
    path = parse_path(name)
    source = resource if path.schema == USER else resource.get(path.schema)
    if not isinstance(source, dict):
        return
    target = kept if path.schema == USER else kept.setdefault(path.schema, {})
    if path.attr is None:
        kept[path.schema] = source
        return
    key = next((k for k in source if k.lower() == path.attr.lower()), None)
    if key is None:
        return
    value = source[key]
    if path.sub is not None and isinstance(value, dict):
        sub = {k: v for k, v in value.items() if k.lower() == path.sub.lower()}
        target[key] = target.get(key, {}) | sub
    else:
        target[key] = value
