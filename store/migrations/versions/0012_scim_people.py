"""SCIM people

people: `external_id`, the identity provider's own id for the person (SCIM `externalId`);
`pushed_at`, when an identity provider last pushed the person over SCIM (set: the person
belongs to the pushed directory); `deleted_at`, when an identity provider deleted the person
(they stay, inactive, for their seats' history, but SCIM no longer lists them). An index on
`external_id`, which identity providers look people up by.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_people_external_id", "people", ["external_id"])


def downgrade() -> None:
    op.drop_index("ix_people_external_id", table_name="people")
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("pushed_at")
        batch_op.drop_column("external_id")
