"""The directory as identity providers push it over SCIM: the verbs behind /scim/v2/Users.

Someone pushed inactive (`active: false`) or deleted is a leaver at once: every seat they
hold is taken back through its vendor's connector and IT is told, in the same transaction
as the change (the jobs run after it), as a directory sync would. Someone given a new
manager has their waiting approvals handed to that manager (`workflows.movers`).

Every change is an audit event whose actor names the token that pushed it (`scim:NAME`).
A person an identity provider deletes stays in the directory, inactive (their seats and
requests keep their history), but SCIM no longer lists them; creating them again brings
them back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from workflows.audit import record
from workflows.catalog import Config
from workflows.commands import ReclaimLeavers
from workflows.model import Person, normal_email
from workflows.movers import manager_changed
from workflows.ports import Clock, UnitOfWork
from workflows.reclaim import reclaim_leavers
from workflows.scim import ScimProblem
from workflows.scim_patch import apply_patch
from workflows.scim_users import UserFields, projected, user_fields, user_resource


@dataclass(frozen=True)
class Pusher:
    """Who pushes (the token's name) and where /scim/v2 is, for resources' locations."""

    token: str
    base: str

    @property
    def actor(self) -> str:
        return f"scim:{self.token}"[:64]


@dataclass(frozen=True)
class UserCommand:
    """One User: `id` (for all but create), and the JSON body (for create, replace, patch)."""

    pusher: Pusher
    id: str = ""
    body: Any = None
    attributes: Sequence[str] = field(default=())
    excluded: Sequence[str] = field(default=())


def get_user(cmd: UserCommand, *, uow: UnitOfWork, config: Config, clock: Clock) -> dict[str, Any]:
    """The User with this id."""
    return _shown(cmd, _find(cmd.id, uow), uow)


def create_user(
    cmd: UserCommand, *, uow: UnitOfWork, config: Config, clock: Clock
) -> dict[str, Any]:
    """Add the person the User describes; 409 uniqueness when their userName is taken."""
    fields = user_fields(cmd.body)
    person = uow.people.by_email(fields.user_name)
    if person is not None and person.deleted_at is None:
        raise ScimProblem(409, f"a User with userName {fields.user_name} exists", "uniqueness")
    if person is None:
        person = Person(fields.user_name, active=fields.active)
        uow.people.add(person)
    person.deleted_at = None
    changed = _apply(person, fields, uow=uow, clock=clock, actor=cmd.pusher.actor)
    uow.flush()
    _reclaim_if_left(person, changed, uow=uow, config=config, clock=clock)
    record(
        uow,
        clock,
        cmd.pusher.actor,
        "scim.user.created",
        f"person:{person.email}",
        token=cmd.pusher.token,
        changed=changed,
    )
    return _shown(cmd, person, uow)


def replace_user(
    cmd: UserCommand, *, uow: UnitOfWork, config: Config, clock: Clock
) -> dict[str, Any]:
    """Set the person to what the User says (PUT)."""
    person = _find(cmd.id, uow)
    fields = user_fields(cmd.body, active=person.active)
    return _replaced(cmd, person, fields, "scim.user.replaced", uow, config, clock)


def patch_user(
    cmd: UserCommand, *, uow: UnitOfWork, config: Config, clock: Clock
) -> dict[str, Any]:
    """Apply a PatchOp to the person's User, then set the person to the result."""
    person = _find(cmd.id, uow)
    current = user_resource(person, cmd.pusher.base, _managers(person, uow))
    fields = user_fields(apply_patch(current, cmd.body), active=person.active)
    return _replaced(cmd, person, fields, "scim.user.patched", uow, config, clock)


def delete_user(cmd: UserCommand, *, uow: UnitOfWork, config: Config, clock: Clock) -> None:
    """The person has left: inactive, and no longer listed over SCIM."""
    person = _find(cmd.id, uow)
    changed = []
    if person.active:
        _left(person, uow=uow, clock=clock, actor=cmd.pusher.actor)
        changed.append("active")
    person.active = False
    person.deleted_at = person.pushed_at = clock.now()
    _reclaim_if_left(person, changed, uow=uow, config=config, clock=clock)
    record(
        uow,
        clock,
        cmd.pusher.actor,
        "scim.user.deleted",
        f"person:{person.email}",
        token=cmd.pusher.token,
    )


def _replaced(
    cmd: UserCommand,
    person: Person,
    fields: UserFields,
    action: str,
    uow: UnitOfWork,
    config: Config,
    clock: Clock,
) -> dict[str, Any]:
    changed = _apply(person, fields, uow=uow, clock=clock, actor=cmd.pusher.actor)
    _reclaim_if_left(person, changed, uow=uow, config=config, clock=clock)
    if "manager_email" in changed and person.active:
        manager_changed(person, uow=uow, config=config, clock=clock, actor=cmd.pusher.actor)
    if changed:
        record(
            uow,
            clock,
            cmd.pusher.actor,
            action,
            f"person:{person.email}",
            token=cmd.pusher.token,
            changed=changed,
        )
    return _shown(cmd, person, uow)


def _apply(
    person: Person, fields: UserFields, *, uow: UnitOfWork, clock: Clock, actor: str
) -> list[str]:
    """Set the person's fields; the names of those that changed."""
    _rename(person, fields.user_name, uow)
    if person.active and not fields.active:
        _left(person, uow=uow, clock=clock, actor=actor)
    wanted: dict[str, object] = {
        "email": fields.user_name,
        "name": fields.display_name,
        "active": fields.active,
        "external_id": fields.external_id,
        "department": fields.department,
        "manager_email": _manager_email(fields.manager, uow),
    }
    changed = [name for name, value in wanted.items() if getattr(person, name) != value]
    for name in changed:
        setattr(person, name, wanted[name])
    person.pushed_at = clock.now()
    return changed


def _rename(person: Person, user_name: str, uow: UnitOfWork) -> None:
    """A new userName is a new email: refused when another person has it or seats are held."""
    if person.id is None or person.email == user_name:
        return
    holder = uow.people.by_email(user_name)
    if holder is not None and holder is not person:
        raise ScimProblem(409, f"a User with userName {user_name} exists", "uniqueness")
    if uow.seats.held_by(person.email):
        raise ScimProblem(
            400,
            "userName is the email seats are held under; it cannot change while "
            f"{person.email} holds seats",
            "mutability",
        )


def _reclaim_if_left(
    person: Person, changed: list[str], *, uow: UnitOfWork, config: Config, clock: Clock
) -> None:
    """A leaver's seats are taken back through the vendors, and IT told, as at a sync."""
    if "active" in changed and not person.active:
        uow.flush()
        reclaim_leavers(ReclaimLeavers(), uow=uow, config=config, clock=clock)


def _left(person: Person, *, uow: UnitOfWork, clock: Clock, actor: str) -> None:
    record(uow, clock, actor, "person.left", f"person:{person.email}", reason="pushed inactive")


def _manager_email(manager: str | None, uow: UnitOfWork) -> str | None:
    """The manager's email, from their SCIM id, their email or their externalId."""
    if manager is None:
        return None
    if manager.isdigit():
        found = uow.people.by_id(int(manager))
        if found is not None:
            return found.email
    if "@" in manager:
        return normal_email(manager)
    by_external = uow.people.by_external_id(manager)
    return by_external[0].email if by_external else None


def _find(scim_id: str, uow: UnitOfWork) -> Person:
    person = uow.people.by_id(int(scim_id)) if scim_id.isdigit() and len(scim_id) < 12 else None
    if person is None or person.deleted_at is not None:
        raise ScimProblem(404, f"no User has id {scim_id}")
    return person


def _managers(person: Person, uow: UnitOfWork) -> dict[str, Person]:
    manager = uow.people.by_email(person.manager_email) if person.manager_email else None
    return {manager.email: manager} if manager is not None else {}


def _shown(cmd: UserCommand, person: Person, uow: UnitOfWork) -> dict[str, Any]:
    resource = user_resource(person, cmd.pusher.base, _managers(person, uow))
    return projected(resource, list(cmd.attributes), list(cmd.excluded))
