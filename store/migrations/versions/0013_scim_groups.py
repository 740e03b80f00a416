"""SCIM groups

scim_groups: the groups identity providers push over SCIM, each with its unique display name,
the identity provider's own id for it (SCIM `externalId`), and when it was made and last
changed. scim_group_members: who is in each group (deleted with their group), with an index on
the person for the groups someone is in.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scim_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scim_groups"),
        sa.UniqueConstraint("display_name", name="uq_scim_groups_display_name"),
    )
    op.create_table(
        "scim_group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["scim_groups.id"],
            name="fk_scim_group_members_group_id_scim_groups",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name="fk_scim_group_members_person_id_people"
        ),
        sa.PrimaryKeyConstraint("group_id", "person_id", name="pk_scim_group_members"),
    )
    op.create_index("ix_scim_group_members_person_id", "scim_group_members", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_scim_group_members_person_id", table_name="scim_group_members")
    op.drop_table("scim_group_members")
    op.drop_table("scim_groups")
