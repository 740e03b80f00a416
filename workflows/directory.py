"""Keep the people Seatkeeper knows in step with the directory; someone turning inactive left.

A listing is applied in steps that each fit one short transaction: `merge_listing` (one record
per email), `unlisted_have_left` (a complete listing only: who vanished from it, judged
against the whole listing) and `update_people` for each batch of the merged listing. Every
step is an upsert, so a run interrupted between batches converges when it runs again.
`sync_people` runs them all in one unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from workflows.audit import record
from workflows.catalog import Config
from workflows.commands import MarkUnlistedLeft, SyncPeople, UpdatePeople
from workflows.model import normal_email
from workflows.ports import Clock, KnownPerson, NewPerson, PersonRecord, UnitOfWork

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

    def extend(self, later: PeopleDrift) -> None:
        """Add what a later step of the same sync or import changed."""
        self.added += later.added
        self.joined += later.joined
        self.updated += later.updated
        self.left += later.left
        self.error = self.error or later.error


def sync_people(cmd: SyncPeople, *, uow: UnitOfWork, config: Config, clock: Clock) -> PeopleDrift:
    """Bring the directory up to date; someone turning inactive is recorded as a leaver.

    With `complete` (a directory source's full listing), someone it listed before and no
    longer lists has left too. A source that knows no managers or departments
    (`provides_org=False`, e.g. Slack) leaves the ones already known alone. A Slack id that
    now belongs to another email moves there.
    """
    listed = merge_listing(cmd.people)
    drift = PeopleDrift()
    if cmd.complete:
        left = MarkUnlistedLeft(listed, actor=cmd.actor)
        drift = unlisted_have_left(left, uow=uow, config=config, clock=clock)
    batch = UpdatePeople(listed, cmd.provides_org, cmd.complete, cmd.actor)
    drift.extend(update_people(batch, uow=uow, config=config, clock=clock))
    return drift


def merge_listing(people: Iterable[PersonRecord]) -> list[PersonRecord]:
    """One record per email, by email; an active record wins over an inactive one (a rehire)."""
    merged: dict[str, PersonRecord] = {}
    for found in people:
        email = normal_email(found.email)
        if email not in merged or (found.active and not merged[email].active):
            merged[email] = found
    return [merged[email] for email in sorted(merged)]


def unlisted_have_left(
    cmd: MarkUnlistedLeft, *, uow: UnitOfWork, config: Config, clock: Clock
) -> PeopleDrift:
    """Someone a complete listing listed before and no longer lists has left (within reason)."""
    drift = PeopleDrift()
    emails = {normal_email(found.email) for found in cmd.listed}
    before = uow.people.listed_by_directory()
    missing = [email for email, active in before.items() if active and email not in emails]
    if len(missing) > max(MISSING_GUARD, len(before) // 2):
        drift.error = (
            f"the directory no longer lists {len(missing)} of the {len(before)} people it listed "
            "before, so nobody was marked as left; check the directory source"
        )
        return drift
    for person in uow.people.by_emails(missing):
        if config.directory.pushed and person.pushed_at is not None:
            continue  # an identity provider pushes them: only it says when they leave
        person.active = False
        drift.left.append(person.email)
        record(uow, clock, cmd.actor, "person.left", f"person:{person.email}", reason="not listed")
    return drift


def update_people(
    cmd: UpdatePeople, *, uow: UnitOfWork, config: Config, clock: Clock
) -> PeopleDrift:
    """Insert or update a batch of a merged listing: two reads, then the writes in bulk.

    With `complete`, everyone in the batch is marked as listed by the directory, so that a
    later complete listing without them makes them leavers.
    """
    batch = _Batch(cmd.people, uow=uow, clock=clock, actor=cmd.actor, provides_org=cmd.provides_org)
    for found in cmd.people:
        if config.directory.pushed and batch.pushed(found):
            continue  # an identity provider pushes them: it alone changes them
        batch.apply(found, cmd.complete)
    batch.write()
    return batch.drift


class _Batch:
    """The people one batch touches, changed in memory as the records say, then written."""

    def __init__(
        self,
        listed: Sequence[PersonRecord],
        *,
        uow: UnitOfWork,
        clock: Clock,
        actor: str,
        provides_org: bool,
    ) -> None:
        self.uow, self.clock, self.actor, self.provides_org = uow, clock, actor, provides_org
        # Plain rows, compared and written back only where changed: a batch of an import of
        # thousands would otherwise load as many objects.
        known = uow.people.rows_by_emails(found.email for found in listed)
        held = {person.slack_user_id for person in known}
        others = {found.slack_user_id for found in listed if found.slack_user_id} - held
        known += uow.people.rows_by_slack_ids(others)  # holders of ids the batch hands over
        self.known = {person.id: person for person in known}
        self.before = {person.id: _compared(person) for person in known}
        self.by_email: dict[str, KnownPerson | NewPerson] = {p.email: p for p in known}
        self.by_slack: dict[str, KnownPerson | NewPerson] = {
            person.slack_user_id: person for person in known if person.slack_user_id
        }
        self.new: list[NewPerson] = []
        self.drift = PeopleDrift()

    def pushed(self, found: PersonRecord) -> bool:
        """True when an identity provider pushed the person the record is about."""
        person = self.by_email.get(normal_email(found.email))
        return person is not None and person.pushed_at is not None

    def apply(self, found: PersonRecord, complete: bool) -> None:
        """Take in one record, the way one row at a time would have."""
        email = normal_email(found.email)
        self._free_slack_id(found.slack_user_id, email)
        person = self.by_email.get(email)
        if person is None:
            person = self._add(email, found)
        else:
            self._update(person, found)
        if complete:
            person.in_directory = True

    def write(self) -> None:
        """Write the changes: Slack ids changing hands are freed first (each is unique)."""
        changed = [p for p in self.known.values() if _compared(p) != self.before[p.id]]
        moved = [p.id for p in changed if p.slack_user_id != self.before[p.id][SLACK_ID_AT]]
        self.uow.people.save_rows(changed, freed=moved)
        self.uow.people.add_new(self.new)

    def _add(self, email: str, found: PersonRecord) -> NewPerson:
        person = _new_person(email, found, self.provides_org)
        self.new.append(person)
        self.by_email[email] = person
        if person.slack_user_id:
            self.by_slack[person.slack_user_id] = person
        self.drift.added.append(email)
        if found.active:
            self.drift.joined.append(email)
        return person

    def _update(self, person: KnownPerson | NewPerson, found: PersonRecord) -> None:
        if person.active and not found.active:
            self.drift.left.append(person.email)
            record(self.uow, self.clock, self.actor, "person.left", f"person:{person.email}")
        before = person.slack_user_id
        if _update(person, found, self.provides_org):
            self.drift.updated.append(person.email)
        if person.slack_user_id != before:
            if before is not None and self.by_slack.get(before) is person:
                del self.by_slack[before]
            if person.slack_user_id:
                self.by_slack[person.slack_user_id] = person

    def _free_slack_id(self, slack_user_id: str | None, email: str) -> None:
        holder = self.by_slack.get(slack_user_id) if slack_user_id else None
        if slack_user_id and holder is not None and holder.email != email:
            holder.slack_user_id = None
            del self.by_slack[slack_user_id]
            record(
                self.uow,
                self.clock,
                self.actor,
                "person.slack_id_moved",
                f"person:{holder.email}",
                to=email,
            )


def _new_person(email: str, found: PersonRecord, provides_org: bool) -> NewPerson:
    manager = found.manager_email if provides_org else None
    return NewPerson(
        email=email,
        name=found.name,
        slack_user_id=found.slack_user_id,
        manager_email=normal_email(manager) if manager else None,
        department=found.department if provides_org else "",
        active=found.active,
    )


def _compared(person: KnownPerson) -> tuple[object, ...]:
    """What a batch may change of someone known (the Slack id at `SLACK_ID_AT`)."""
    return (person.name, person.slack_user_id, person.manager_email, person.department,
            person.active, person.in_directory)  # fmt: skip


SLACK_ID_AT = 1


def _update(person: KnownPerson | NewPerson, found: PersonRecord, provides_org: bool) -> bool:
    wanted: dict[str, object] = {
        "name": found.name or person.name,
        "slack_user_id": found.slack_user_id or person.slack_user_id,
        "active": found.active,
    }
    if provides_org:
        manager = normal_email(found.manager_email) if found.manager_email else None
        wanted |= {"manager_email": manager, "department": found.department}
    changed = {k: v for k, v in wanted.items() if getattr(person, k) != v}
    for key, value in changed.items():
        setattr(person, key, value)
    return bool(changed)
