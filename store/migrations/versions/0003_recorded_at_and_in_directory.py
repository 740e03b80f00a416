"""seats.recorded_at and people.in_directory

seats.recorded_at: a sync never removes a seat recorded while it read the vendor.
people.in_directory: someone the directory listed before and no longer lists has left.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("seats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("in_directory", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("people", schema=None) as batch_op:
        batch_op.drop_column("in_directory")
    with op.batch_alter_table("seats", schema=None) as batch_op:
        batch_op.drop_column("recorded_at")
