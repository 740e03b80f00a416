"""The repository of SCIM groups and their members. Never commits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store import tables
from workflows import ports
from workflows.model import Group


class SqlGroupRepository(ports.GroupRepository):
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, group: Group) -> None:
        """Stage a new group."""
        self.session.add(group)

    def by_id(self, group_id: int) -> Group | None:
        """The group with this id."""
        return self.session.get(Group, group_id)

    def by_name(self, display_name: str) -> Group | None:
        """The group with this display name."""
        query = select(Group).where(tables.scim_groups.c.display_name == display_name)
        return self.session.scalars(query).first()

    def page(self, offset: int, limit: int) -> tuple[list[Group], int]:
        """A page of the groups, by id, and how many there are."""
        total = self.session.scalar(select(func.count()).select_from(tables.scim_groups))
        query = select(Group).order_by(tables.scim_groups.c.id).offset(offset).limit(limit)
        return list(self.session.scalars(query)), total or 0

    def all(self) -> list[Group]:
        """Every group, by id."""
        return list(self.session.scalars(select(Group).order_by(tables.scim_groups.c.id)))

    def of_person(self, person_id: int) -> list[Group]:
        """The groups this person is in, by id."""
        m = tables.scim_group_members.c
        query = (
            select(Group)
            .join(tables.scim_group_members, m.group_id == tables.scim_groups.c.id)
            .where(m.person_id == person_id)
            .order_by(tables.scim_groups.c.id)
        )
        return list(self.session.scalars(query))

    def delete(self, group: Group) -> None:
        """Stage the group's deletion, with its memberships."""
        self.session.delete(group)
