"""Stored emails are normal (trimmed, lowercase); seats.email is indexed

People and seats are looked up by email with a plain comparison, on the unique index of
people.email and on ix_seats_email, which finds everyone only when stored emails are normal:
every write path keeps them so, and this lowercases any stored before. Two people (or two held
seats on one app) whose emails differ only in case stop the upgrade, naming them, and nothing
changes: which of the two is the real one is for a person to decide.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

HELD = ("active", "releasing")
people = sa.table("people", sa.column("id"), sa.column("email"), sa.column("manager_email"))
seats = sa.table(
    "seats", sa.column("id"), sa.column("email"), sa.column("app_key"), sa.column("status")
)


class EmailCaseTwins(sa.exc.SQLAlchemyError):
    """Stored rows that would be one row once their emails are lowercase."""


def upgrade() -> None:
    connection = op.get_bind()
    person_rows = connection.execute(sa.select(people.c.id, people.c.email)).all()
    _refuse_twins("people", ((_normal(email), email) for _, email in person_rows))
    seat_rows = connection.execute(
        sa.select(seats.c.id, seats.c.email, seats.c.app_key, seats.c.status)
    ).all()
    held = (((_normal(e), app), e) for _, e, app, status in seat_rows if status in HELD)
    _refuse_twins("held seats on one app", held)
    _normalise(people, "email", person_rows)
    managers = connection.execute(
        sa.select(people.c.id, people.c.manager_email).where(people.c.manager_email.is_not(None))
    ).all()
    _normalise(people, "manager_email", managers)
    _normalise(seats, "email", [(row.id, row.email) for row in seat_rows])
    op.create_index("ix_seats_email", "seats", ["email"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_seats_email", table_name="seats")


def _normal(email: str) -> str:
    return email.strip().lower()


def _refuse_twins(what: str, rows: Iterable[tuple[object, str]]) -> None:
    """Stop when two rows would share a unique key once their emails are normal."""
    spellings: dict[object, list[str]] = defaultdict(list)
    for key, email in rows:
        spellings[key].append(email)
    twins = sorted(", ".join(sorted(found)) for found in spellings.values() if len(found) > 1)
    if twins:
        raise EmailCaseTwins(
            f"{what} whose emails differ only in case ({'; '.join(twins[:5])}); "
            "remove or rename one of each before upgrading"
        )


def _normalise(table: sa.TableClause, column: str, rows: Iterable[tuple[int, str]]) -> None:
    changes = [{"row_id": row_id, "value": _normal(v)} for row_id, v in rows if v != _normal(v)]
    if changes:
        statement = (
            table.update()
            .where(table.c.id == sa.bindparam("row_id"))
            .values({column: sa.bindparam("value")})
        )
        op.get_bind().execute(statement, changes)
