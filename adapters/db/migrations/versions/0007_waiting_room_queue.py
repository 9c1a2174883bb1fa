"""The waiting room's queue, for deployments without Redis: one row per event (the admission bound, the arrival
counter, the admission rate) and one per entry (its place in the order, its status, its pass's expiry).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "queue_rooms",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("bound", sa.Integer(), nullable=False),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_seq", sa.BigInteger(), nullable=False),
        sa.Column("rate", sa.Float(), nullable=False),
        sa.Column("rate_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_queue_rooms")),
    )
    op.create_table(
        "queue_entries",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("order_key", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("admitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("admitted_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('waiting', 'admitted', 'expired')", name=op.f("ck_queue_entries_status_known")),
        sa.PrimaryKeyConstraint("event_id", "user_id", name=op.f("pk_queue_entries")),
    )
    op.create_index("ix_queue_entries_order", "queue_entries", ["event_id", "order_key", "user_id"])
    op.create_index("ix_queue_entries_status_order", "queue_entries", ["event_id", "status", "order_key", "user_id"])
    op.create_index("ix_queue_entries_status_until", "queue_entries", ["event_id", "status", "admitted_until"])


def downgrade() -> None:
    op.drop_index("ix_queue_entries_status_until", table_name="queue_entries")
    op.drop_index("ix_queue_entries_status_order", table_name="queue_entries")
    op.drop_index("ix_queue_entries_order", table_name="queue_entries")
    op.drop_table("queue_entries")
    op.drop_table("queue_rooms")
