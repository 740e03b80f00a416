"""seats: paid_until, and an index for reading one app's seats

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("seats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("paid_until", sa.Date(), nullable=True))
        batch_op.create_index("ix_seats_app_status", ["app_key", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("seats", schema=None) as batch_op:
        batch_op.drop_index("ix_seats_app_status")
        batch_op.drop_column("paid_until")
