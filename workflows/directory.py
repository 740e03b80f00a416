"""Keep the people Seatkeeper knows in step with the directory; someone turning inactive left."""

from __future__ import annotations

from dataclasses import dataclass, field

from workflows.audit import record
from workflows.model import Person
from workflows.ports import Clock, PersonRecord, UnitOfWork

SYNC = "sync"
# More people than this (and than half the directory) vanishing at once looks like a broken
# listing, not a wave of leavers.
MISSING_GUARD = 5


@dataclass
class PeopleDrift:
    """What changed in the directory in one sync or import."""

    added: list[str] = field(default_factory=list)  # new to Seatkeeper, active or not
    joined: list[str] = field(default_factory=list)  # new and active
    updated: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def changed(self) -> bool:
        """True when someone joined or left (profile edits are not drift)."""
        return bool(self.joined or self.left)


def sync_people(
    people: list[PersonRecord],
    *,
    uow: UnitOfWork,
    clock: Clock,
    provides_org: bool = True,
    complete: bool = False,
    actor: str = SYNC,
    **_: object,
) -> PeopleDrift:
    """Bring the directory up to date; someone turning inactive is recorded as a leaver.

    With `complete` (a directory source's full listing), someone it listed before and no
    longer lists has left too. A source that knows no managers or departments
    (`provides_org=False`, e.g. Slack) leaves the ones already known alone. A Slack id that
    now belongs to another email moves there.
    """
    drift = PeopleDrift()
    listed = _merge(people)
    if complete:
        _missing_have_left(listed, drift, uow=uow, clock=clock, actor=actor)
    for found in listed:
        email = found.email.strip().lower()
        _free_slack_id(found.slack_user_id, email, uow=uow, clock=clock, actor=actor)
        person = uow.people.by_email(email)
        if person is None:
            uow.people.add(_new_person(email, found, provides_org))
            drift.added.append(email)
            if found.active:
                drift.joined.append(email)
            continue
        if person.active and not found.active:
            drift.left.append(email)
            record(uow, clock, actor, "person.left", f"person:{email}")
        if _update(person, found, provides_org):
            drift.updated.append(email)
    if complete:
        for found in listed:
            person = uow.people.by_email(found.email)
            if person is not None:
                person.in_directory = True
    return drift


def _missing_have_left(
    listed: list[PersonRecord], drift: PeopleDrift, *, uow: UnitOfWork, clock: Clock, actor: str
) -> None:
    """Someone the directory listed before and no longer lists has left (within reason)."""
    emails = {found.email.strip().lower() for found in listed}
    before = [p for p in uow.people.all() if p.in_directory]
    missing = [p for p in before if p.active and p.email.lower() not in emails]
    if len(missing) > max(MISSING_GUARD, len(before) // 2):
        drift.error = (
            f"the directory no longer lists {len(missing)} of the {len(before)} people it listed "
            "before, so nobody was marked as left; check the directory source"
        )
        return
    for person in missing:
        person.active = False
        drift.left.append(person.email)
        record(uow, clock, actor, "person.left", f"person:{person.email}", reason="not listed")


def _merge(people: list[PersonRecord]) -> list[PersonRecord]:
    """One record per email; an active record wins over an inactive one (a rehire)."""
    merged: dict[str, PersonRecord] = {}
    for found in people:
        email = found.email.strip().lower()
        if email not in merged or (found.active and not merged[email].active):
            merged[email] = found
    return [merged[email] for email in sorted(merged)]


def _free_slack_id(
    slack_user_id: str | None, email: str, *, uow: UnitOfWork, clock: Clock, actor: str
) -> None:
    holder = uow.people.by_slack_id(slack_user_id) if slack_user_id else None
    if holder is not None and holder.email.lower() != email:
        holder.slack_user_id = None
        uow.flush()
        record(uow, clock, actor, "person.slack_id_moved", f"person:{holder.email}", to=email)


def _new_person(email: str, found: PersonRecord, provides_org: bool) -> Person:
    return Person(
        email=email,
        name=found.name,
        slack_user_id=found.slack_user_id,
        manager_email=_lower(found.manager_email) if provides_org else None,
        department=found.department if provides_org else "",
        active=found.active,
    )


def _update(person: Person, found: PersonRecord, provides_org: bool) -> bool:
    wanted: dict[str, object] = {
        "name": found.name or person.name,
        "slack_user_id": found.slack_user_id or person.slack_user_id,
        "active": found.active,
    }
    if provides_org:
        wanted |= {"manager_email": _lower(found.manager_email), "department": found.department}
    changed = {k: v for k, v in wanted.items() if getattr(person, k) != v}
    for key, value in changed.items():
        setattr(person, key, value)
    return bool(changed)


def _lower(email: str | None) -> str | None:
    return email.lower() if email else None
