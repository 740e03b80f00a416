"""Seat scan indexes

seats: an index by app and tier, so the digest counts held seats per app and tier in index
order instead of sorting them all; and indexes on the last use and on the end date, so the
reclaim pass reads the seats unused for a while or ending soon (with those of an open case)
without scanning every held seat of a large estate, most of which were used recently.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_seats_app_tier", "seats", ["app_key", "tier_key"])
    op.create_index("ix_seats_last_active_on", "seats", ["last_active_on"])
    op.create_index("ix_seats_end_date", "seats", ["end_date"])


def downgrade() -> None:
    op.drop_index("ix_seats_end_date", table_name="seats")
    op.drop_index("ix_seats_last_active_on", table_name="seats")
    op.drop_index("ix_seats_app_tier", table_name="seats")
