"""Ticket types, tickets and check-in staff. Every event made before gets its one type, "General admission", at its
price and capacity: what it has been sold as all along (bookings of `{event_id, quantity}` buy the first type).

No tickets are made here for bookings confirmed before: a ticket's code is signed with a key derived from the
platform's secret, which migrations do not see.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENERAL_ADMISSION = "General admission"  # domain/pricing.py's, as it was when this migration was written
BATCH = 1000


def upgrade() -> None:
    ticket_types = op.create_table(
        "ticket_types",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=False),
        sa.Column("sales_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sales_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("max_per_order", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("price_cents >= 0", name=op.f("ck_ticket_types_price_not_negative")),
        sa.CheckConstraint("quota >= 0", name=op.f("ck_ticket_types_quota_not_negative")),
        sa.CheckConstraint(
            "max_per_order IS NULL OR max_per_order > 0", name=op.f("ck_ticket_types_max_per_order_positive")
        ),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_ticket_types_event_id_events")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_types")),
    )
    op.create_index("ix_ticket_types_event_id_position", "ticket_types", ["event_id", "position"], unique=False)
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("booking_id", sa.String(length=36), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("ticket_type_id", sa.String(length=36), nullable=False),
        sa.Column("type_name", sa.String(length=200), nullable=False),
        sa.Column("attendee_name", sa.String(length=200), nullable=False),
        sa.Column("attendee_email", sa.String(length=254), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('valid', 'checked_in', 'void')", name=op.f("ck_tickets_status_known")),
        sa.CheckConstraint(
            "status <> 'checked_in' OR checked_in_at IS NOT NULL", name=op.f("ck_tickets_checked_in_has_time")
        ),
        sa.ForeignKeyConstraint(["booking_id"], ["bookings.id"], name=op.f("fk_tickets_booking_id_bookings")),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_tickets_event_id_events")),
        sa.ForeignKeyConstraint(
            ["ticket_type_id"], ["ticket_types.id"], name=op.f("fk_tickets_ticket_type_id_ticket_types")
        ),
        sa.ForeignKeyConstraint(["checked_in_by"], ["users.id"], name=op.f("fk_tickets_checked_in_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("code", name=op.f("uq_tickets_code")),
    )
    op.create_index(op.f("ix_tickets_booking_id"), "tickets", ["booking_id"], unique=False)
    op.create_index(op.f("ix_tickets_event_id"), "tickets", ["event_id"], unique=False)
    op.create_table(
        "event_staff",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("added_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["events.id"], name=op.f("fk_event_staff_event_id_events")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_event_staff_user_id_users")),
        sa.ForeignKeyConstraint(["added_by"], ["users.id"], name=op.f("fk_event_staff_added_by_users")),
        sa.PrimaryKeyConstraint("event_id", "user_id", name=op.f("pk_event_staff")),
    )
    _general_admission_for_every_event(ticket_types)


def _general_admission_for_every_event(ticket_types: sa.Table) -> None:
    """One type per existing event, at its price and capacity, as old as the event; ids made here (uuid4), since
    neither database has a portable way to make them in SQL."""
    events = sa.table(
        "events",
        sa.column("id", sa.String),
        sa.column("price_cents", sa.BigInteger),
        sa.column("capacity", sa.Integer),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    rows = op.get_bind().execute(sa.select(events).order_by(events.c.id)).all()
    for start in range(0, len(rows), BATCH):
        op.bulk_insert(
            ticket_types,
            [
                {
                    "id": str(uuid.uuid4()),
                    "event_id": row.id,
                    "name": GENERAL_ADMISSION,
                    "price_cents": row.price_cents,
                    "quota": row.capacity,
                    "position": 0,
                    "created_at": row.created_at,
                }
                for row in rows[start : start + BATCH]
            ],
        )


def downgrade() -> None:
    op.drop_table("event_staff")
    op.drop_index(op.f("ix_tickets_event_id"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_booking_id"), table_name="tickets")
    op.drop_table("tickets")
    op.drop_index("ix_ticket_types_event_id_position", table_name="ticket_types")
    op.drop_table("ticket_types")
