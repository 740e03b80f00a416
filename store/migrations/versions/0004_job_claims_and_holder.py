"""jobs.claims and jobs.lease_holder

jobs.claims: how many times a worker has started the job; a job started before may already
have had its effect, so its handler looks for that effect before repeating it.
jobs.lease_holder: the worker holding the lease, so only it renews, finishes or hands it back.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("claims", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(sa.Column("lease_holder", sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("lease_holder")
        batch_op.drop_column("claims")
