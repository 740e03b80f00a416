"""Reclamation: reclaim cases and waves; seats' end date, activity source and snooze

reclaim_cases: one question about one seat (keep or release?) or one removal (a leaver, an end
date, a release), with its deadline, answer and the saving it realised; at most one is open per
seat. reclaim_waves: an app's idle seats past their deadline, confirmed or skipped by IT
together. seats.end_date: granted until then; seats.activity_source: what last_active_on is
(such as "last sign-in"); seats.snoozed_until: the holder chose to keep it. tasks.case_id: the
reclaim case an IT task (a removal by hand) finishes.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reclaim_waves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_key", sa.String(length=63), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["app_key"], ["apps.key"], name="fk_reclaim_waves_app_key_apps"),
        sa.PrimaryKeyConstraint("id", name="pk_reclaim_waves"),
    )
    op.create_table(
        "reclaim_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seat_id", sa.Integer(), nullable=False),
        sa.Column("app_key", sa.String(length=63), nullable=False),
        sa.Column("tier_key", sa.String(length=63), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("holder", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("last_active_on", sa.Date(), nullable=True),
        sa.Column("activity_source", sa.String(length=64), nullable=True),
        sa.Column("waiting", sa.Boolean(), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("prompted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("action", sa.String(length=16), nullable=True),
        sa.Column("to_tier", sa.String(length=63), nullable=True),
        sa.Column("wave_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("monthly_saving", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("requested_back", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["app_key"], ["apps.key"], name="fk_reclaim_cases_app_key_apps"),
        sa.ForeignKeyConstraint(
            ["requested_back"], ["requests.id"], name="fk_reclaim_cases_requested_back_requests"
        ),
        sa.ForeignKeyConstraint(["seat_id"], ["seats.id"], name="fk_reclaim_cases_seat_id_seats"),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["reclaim_waves.id"], name="fk_reclaim_cases_wave_id_reclaim_waves"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_reclaim_cases"),
    )
    op.create_index("ix_reclaim_cases_status_app", "reclaim_cases", ["status", "app_key"])
    op.create_index("ix_reclaim_cases_seat", "reclaim_cases", ["seat_id"])
    op.create_index("ix_reclaim_cases_wave", "reclaim_cases", ["wave_id"])
    op.create_index("ix_reclaim_cases_completed", "reclaim_cases", ["completed_at"])
    is_open = sa.text("status IN ('in_review', 'prompted', 'reminded', 'scheduled')")
    op.create_index(
        "uq_reclaim_cases_one_open",
        "reclaim_cases",
        ["seat_id"],
        unique=True,
        sqlite_where=is_open,
        postgresql_where=is_open,
    )
    with op.batch_alter_table("seats", schema=None) as batch_op:
        batch_op.add_column(sa.Column("end_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("activity_source", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_tasks_case_id_reclaim_cases", "reclaim_cases", ["case_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_constraint("fk_tasks_case_id_reclaim_cases", type_="foreignkey")
        batch_op.drop_column("case_id")
    with op.batch_alter_table("seats", schema=None) as batch_op:
        batch_op.drop_column("snoozed_until")
        batch_op.drop_column("activity_source")
        batch_op.drop_column("end_date")
    op.drop_index("uq_reclaim_cases_one_open", table_name="reclaim_cases")
    op.drop_index("ix_reclaim_cases_completed", table_name="reclaim_cases")
    op.drop_index("ix_reclaim_cases_wave", table_name="reclaim_cases")
    op.drop_index("ix_reclaim_cases_seat", table_name="reclaim_cases")
    op.drop_index("ix_reclaim_cases_status_app", table_name="reclaim_cases")
    op.drop_table("reclaim_cases")
    op.drop_table("reclaim_waves")
