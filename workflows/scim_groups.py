"""A SCIM Group is a Group of people: how one is written as the other, and PATCHes on members.

`displayName` names the group (unique); `members` are Users, each given by its SCIM id
(`value`); members of other types, and attributes Seatkeeper does not keep, are ignored.
A PATCH is applied as `workflows.scim_patch` applies it to a User, after one quirk is made
standard: Microsoft Entra removes members with `"path": "members"` and the members to
remove as the value, which RFC 7644 would read as removing every member.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflows.model import Group, Person
from workflows.scim import get, invalid
from workflows.scim_users import _text

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
MAX_DISPLAY_NAME = 255
MAX_MEMBERS = 10_000  # in one request


@dataclass(frozen=True)
class GroupFields:
    """What a Group resource says, as far as Seatkeeper keeps it."""

    display_name: str
    external_id: str | None
    member_ids: tuple[str, ...]  # the members' SCIM ids, as given, each once


def group_fields(body: Any) -> GroupFields:
    """The fields of a Group resource's JSON; 400 invalidValue when one is unusable."""
    if not isinstance(body, dict):
        raise invalid("a Group is a JSON object", "invalidSyntax")
    name = _text(get(body, "displayName"), "displayName", MAX_DISPLAY_NAME).strip()
    if not name:
        raise invalid("displayName is required")
    external = _text(get(body, "externalId"), "externalId", MAX_DISPLAY_NAME).strip() or None
    return GroupFields(name, external, _member_ids(get(body, "members")))


def _member_ids(members: Any) -> tuple[str, ...]:
    if members is None:
        return ()
    if not isinstance(members, list):
        raise invalid("members is a list of objects with the member's id as value")
    if len(members) > MAX_MEMBERS:
        raise invalid(f"a request names at most {MAX_MEMBERS} members", "tooMany")
    found: dict[str, None] = {}
    for member in members:
        value = get(member, "value") if isinstance(member, dict) else member
        kind = get(member, "type") if isinstance(member, dict) else None
        if isinstance(kind, str) and kind.lower() not in ("user", ""):
            continue
        if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
            raise invalid("each member has the id of a User as its value")
        found[str(value).strip()] = None
    return tuple(found)


def group_resource(group: Group, base: str, people: Mapping[int, Person]) -> dict[str, Any]:
    """The group as a SCIM Group; `people` maps ids to the members (deleted ones are left out)."""
    resource: dict[str, Any] = {"schemas": [GROUP], "id": str(group.id)}
    if group.external_id:
        resource["externalId"] = group.external_id
    resource["displayName"] = group.display_name
    members = []
    for person_id in group.member_ids:
        person = people.get(person_id)
        if person is None or person.deleted_at is not None:
            continue
        members.append(
            {"value": str(person_id), "$ref": f"{base}/Users/{person_id}", "type": "User"}
        )
    resource["members"] = members
    resource["meta"] = {
        "resourceType": "Group",
        "created": _when(group.created_at),
        "lastModified": _when(group.updated_at),
        "location": f"{base}/Groups/{group.id}",
        "version": f'W/"{group.version}"',
    }
    return resource


def standard_patch(body: Any) -> Any:
    """The PatchOp with each remove of listed `members` made a remove by value filter."""
    operations = get(body, "Operations") if isinstance(body, dict) else None
    if not isinstance(operations, list):
        return body
    standard: list[Any] = []
    for operation in operations:
        standard += _standard(operation)
    return {"schemas": get(body, "schemas"), "Operations": standard}


def _standard(operation: Any) -> list[Any]:
    if not isinstance(operation, dict):
        return [operation]
    op, path, value = (get(operation, name) for name in ("op", "path", "value"))
    removes = str(op or "").lower() == "remove" and str(path or "").strip().lower() == "members"
    if not removes or value is None:
        return [operation]
    values = value if isinstance(value, list) else [value]
    return [
        {"op": "remove", "path": f"members[value eq {json.dumps(id_)}]"}
        for id_ in _member_ids(values)
    ]


def _when(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
