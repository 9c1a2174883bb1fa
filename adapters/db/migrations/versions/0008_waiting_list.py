"""The waiting list of sold-out events: one entry per user and event, waiting or offered a hold.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("booking_id", sa.String(length=36), nullable=True),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_waitlist_entries_quantity_positive")),
        sa.CheckConstraint("status IN ('waiting', 'offered')", name=op.f("ck_waitlist_entries_status_known")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_waitlist_entries_event_id_events")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_waitlist_entries_user_id_users")),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name=op.f("fk_waitlist_entries_booking_id_bookings")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist_entries")),
        sa.UniqueConstraint("event_id", "user_id", name=op.f("uq_waitlist_entries_event_id_user_id")),
    )
    op.create_index(
        "ix_waitlist_entries_event_id_status_joined_at",
        "waitlist_entries",
        ["event_id", "status", "joined_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_waitlist_entries_event_id_status_joined_at", table_name="waitlist_entries")
    op.drop_table("waitlist_entries")
