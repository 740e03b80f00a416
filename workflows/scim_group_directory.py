"""The groups identity providers push over SCIM: the verbs behind /scim/v2/Groups.

Members are Users, by SCIM id; a member who is not a User here is refused (400). Every
change is an audit event whose actor names the token that pushed it (`scim:NAME`), with the
members added and removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from workflows.audit import record
from workflows.catalog import Config
from workflows.group_seats import group_joined, group_left
from workflows.model import Group, GroupMember, Person
from workflows.ports import Clock, UnitOfWork
from workflows.scim import LIST_RESPONSE, ScimProblem, invalid
from workflows.scim_directory import Pusher
from workflows.scim_filter import Compare, parse_filter
from workflows.scim_groups import GROUP, GroupFields, group_fields, group_resource, standard_patch
from workflows.scim_listing import MAX_RESULTS, ListUsers, list_users
from workflows.scim_patch import apply_patch
from workflows.scim_users import projected


@dataclass(frozen=True)
class GroupCommand:
    """One Group: `id` (for all but create), and the JSON body (for create, replace, patch)."""

    pusher: Pusher
    id: str = ""
    body: Any = None
    attributes: Sequence[str] = field(default=())
    excluded: Sequence[str] = field(default=())


@dataclass(frozen=True)
class ListGroups:
    """A page of the Groups a filter selects (all when None), 1-based."""

    pusher: Pusher
    filter: str | None = None
    start: int = 1
    count: int = MAX_RESULTS
    attributes: Sequence[str] = ()
    excluded: Sequence[str] = ()


def list_groups(
    cmd: ListGroups, *, uow: UnitOfWork, config: Config, clock: Clock
) -> dict[str, Any]:
    """A ListResponse: the page of Groups the filter selects, and how many it selects in all."""
    start, count = max(cmd.start, 1), min(max(cmd.count, 0), MAX_RESULTS)
    if not cmd.filter:
        groups, total = uow.groups.page(start - 1, count)
        page = _resources(groups, cmd.pusher, uow)
    else:
        where = parse_filter(cmd.filter)
        named = _named(where)
        if named is not None:
            group = uow.groups.by_name(named)
            groups = [group] if group is not None else []
        else:
            groups = uow.groups.all()
        selected = [r for r in _resources(groups, cmd.pusher, uow) if where.matches(r)]
        total, page = len(selected), selected[start - 1 : start - 1 + count]
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(page),
        "Resources": [_projected(r, cmd.attributes, cmd.excluded) for r in page],
    }


def search_all(cmd: ListUsers, *, uow: UnitOfWork, config: Config, clock: Clock) -> Any:
    """A search at the root (RFC 7644 §3.4.3): the Users, then the Groups, the filter selects."""
    everything = replace(cmd, start=1, count=MAX_RESULTS)
    users = list_users(everything, uow=uow, config=config, clock=clock)
    groups = list_groups(ListGroups(**vars(everything)), uow=uow, config=config, clock=clock)
    found = users["Resources"] + groups["Resources"]
    start, count = max(cmd.start, 1), min(max(cmd.count, 0), MAX_RESULTS)
    page = found[start - 1 : start - 1 + count]
    return users | {
        "totalResults": users["totalResults"] + groups["totalResults"],
        "startIndex": start,
        "itemsPerPage": len(page),
        "Resources": page,
    }


def get_group(cmd: GroupCommand, *, uow: UnitOfWork, config: Config, clock: Clock) -> Any:
    """The Group with this id."""
    return _shown(cmd, _find(cmd.id, uow), uow)


def create_group(cmd: GroupCommand, *, uow: UnitOfWork, config: Config, clock: Clock) -> Any:
    """Add the group the Group describes; 409 uniqueness when its displayName is taken."""
    fields = group_fields(cmd.body)
    if uow.groups.by_name(fields.display_name) is not None:
        raise ScimProblem(409, f"a Group named {fields.display_name} exists", "uniqueness")
    now = clock.now()
    group = Group(fields.display_name, now, now, fields.external_id)
    uow.groups.add(group)
    _set(cmd, group, fields, "scim.group.created", uow=uow, config=config, clock=clock)
    return _shown(cmd, group, uow)


def replace_group(cmd: GroupCommand, *, uow: UnitOfWork, config: Config, clock: Clock) -> Any:
    """Set the group to what the Group says (PUT)."""
    group = _find(cmd.id, uow)
    fields = group_fields(cmd.body)
    _set(cmd, group, fields, "scim.group.replaced", uow=uow, config=config, clock=clock)
    return _shown(cmd, group, uow)


def patch_group(cmd: GroupCommand, *, uow: UnitOfWork, config: Config, clock: Clock) -> Any:
    """Apply a PatchOp to the Group, then set the group to the result."""
    group = _find(cmd.id, uow)
    current = group_resource(group, cmd.pusher.base, _people(group.member_ids, uow))
    fields = group_fields(apply_patch(current, standard_patch(cmd.body)))
    _set(cmd, group, fields, "scim.group.patched", uow=uow, config=config, clock=clock)
    return _shown(cmd, group, uow)


def delete_group(cmd: GroupCommand, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    """Forget the group; its members leave it."""
    group = _find(cmd.id, uow)
    removed = _people(group.member_ids, uow)
    group.members = []
    uow.flush()
    uow.groups.delete(group)
    actor = cmd.pusher.actor
    group_left(group.display_name, removed.values(), actor, uow=uow, config=config, clock=clock)
    record(
        uow,
        clock,
        cmd.pusher.actor,
        "scim.group.deleted",
        f"group:{group.display_name}",
        token=cmd.pusher.token,
        removed=sorted(p.email for p in removed.values()),
    )


def _set(
    cmd: GroupCommand,
    group: Group,
    fields: GroupFields,
    action: str,
    *,
    uow: UnitOfWork,
    config: Config,
    clock: Clock,
) -> None:
    """Give the group the fields; an audit event when anything changed."""
    if fields.display_name != group.display_name:
        holder = uow.groups.by_name(fields.display_name)
        if holder is not None and holder is not group:
            raise ScimProblem(409, f"a Group named {fields.display_name} exists", "uniqueness")
    wanted = _members(fields.member_ids, uow)
    old_name, old_members = group.display_name, _people(group.member_ids, uow)
    before = set(group.member_ids)
    added = [p for p in wanted if p.id not in before]
    removed_ids = before - {p.id for p in wanted}
    changed = [
        name
        for name, old, new in (
            ("displayName", group.display_name, fields.display_name),
            ("externalId", group.external_id, fields.external_id),
        )
        if old != new
    ]
    group.display_name, group.external_id = fields.display_name, fields.external_id
    group.members = [m for m in group.members if m.person_id not in removed_ids]
    group.members += [GroupMember(p.id or 0) for p in added]
    removed = _people(removed_ids, uow)
    if not (changed or added or removed_ids) and group.id is not None:
        return
    group.updated_at = clock.now()
    uow.flush()
    actor = cmd.pusher.actor
    if old_name == group.display_name:
        group_left(old_name, removed.values(), actor, uow=uow, config=config, clock=clock)
        group_joined(old_name, added, actor, uow=uow, config=config, clock=clock)
    elif group.id is not None and old_members:
        group_left(old_name, old_members.values(), actor, uow=uow, config=config, clock=clock)
        group_joined(group.display_name, wanted, actor, uow=uow, config=config, clock=clock)
    else:
        group_joined(group.display_name, wanted, actor, uow=uow, config=config, clock=clock)
    record(
        uow,
        clock,
        cmd.pusher.actor,
        action,
        f"group:{group.display_name}",
        token=cmd.pusher.token,
        changed=changed,
        added=sorted(p.email for p in added),
        removed=sorted(p.email for p in removed.values()),
    )


def _members(ids: Iterable[str], uow: UnitOfWork) -> list[Person]:
    """The Users these SCIM ids name, in that order; 400 when one names none."""
    ids = list(ids)
    small = [int(i) for i in ids if i.isascii() and i.isdigit() and len(i) < 12]
    people = {str(k): p for k, p in _people(small, uow).items() if p.deleted_at is None}
    missing = next((scim_id for scim_id in ids if scim_id not in people), None)
    if missing is not None:
        raise invalid(f"member {missing} is not a User")
    return [people[scim_id] for scim_id in ids]


def _people(ids: Iterable[int], uow: UnitOfWork) -> dict[int, Person]:
    """The people with these ids, one query a thousand."""
    return {p.id: p for p in uow.people.by_ids(ids) if p.id is not None}


def _find(scim_id: str, uow: UnitOfWork) -> Group:
    small = scim_id.isascii() and scim_id.isdigit() and len(scim_id) < 12
    group = uow.groups.by_id(int(scim_id)) if small else None
    if group is None:
        raise ScimProblem(404, f"no Group has id {scim_id}")
    return group


def _named(where: Any) -> str | None:
    """The displayName a filter `displayName eq "…"` pins, or None."""
    if isinstance(where, Compare) and where.op == "eq" and isinstance(where.value, str):
        name = ".".join(part for part in (where.path.attr, where.path.sub) if part)
        if name.lower() == "displayname":
            return where.value
    return None


def _resources(groups: list[Group], pusher: Pusher, uow: UnitOfWork) -> list[dict[str, Any]]:
    ids = {person_id for group in groups for person_id in group.member_ids}
    people = _people(ids, uow)
    return [group_resource(group, pusher.base, people) for group in groups]


def _projected(
    resource: dict[str, Any], attributes: Sequence[str], excluded: Sequence[str]
) -> dict[str, Any]:
    """As `scim_users.projected`, attribute names maybe prefixed with the Group schema URN."""
    return projected(resource, _bare(attributes), _bare(excluded))


def _bare(names: Sequence[str]) -> list[str]:
    prefix = GROUP.lower() + ":"
    return [n[len(prefix) :] if n.lower().startswith(prefix) else n for n in names]


def _shown(cmd: GroupCommand, group: Group, uow: UnitOfWork) -> dict[str, Any]:
    resource = group_resource(group, cmd.pusher.base, _people(group.member_ids, uow))
    return _projected(resource, cmd.attributes, cmd.excluded)
