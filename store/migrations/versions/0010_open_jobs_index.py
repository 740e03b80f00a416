"""Open jobs indexes

jobs: two partial indexes over the open (queued or running) jobs, one by id and one by queue
and id, so a claim walks only open jobs in id order and stops at its limit, and asks of each
whether an earlier job of its queue is open with one index probe, however many finished jobs
the table keeps.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    open_job = sa.text("status IN ('queued', 'running')")
    op.create_index(
        "ix_jobs_open", "jobs", ["id"], sqlite_where=open_job, postgresql_where=open_job
    )
    op.create_index(
        "ix_jobs_open_queue",
        "jobs",
        ["queue", "id"],
        sqlite_where=open_job,
        postgresql_where=open_job,
    )


def downgrade() -> None:
    op.drop_index("ix_jobs_open_queue", table_name="jobs")
    op.drop_index("ix_jobs_open", table_name="jobs")
