"""Digests as they were posted

digests: each digest posted to the IT channel, with the figures it showed, so the next one
says what changed since and its period starts there.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_digests"),
    )
    op.create_index("ix_digests_created_at", "digests", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_digests_created_at", table_name="digests")
    op.drop_table("digests")
