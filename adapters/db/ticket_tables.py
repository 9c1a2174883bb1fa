"""Ticket types, tickets and check-in staff (migration 0009), on the shared MetaData of `adapters.db.tables`."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
    text,
)

from adapters.db.tables import UtcDateTime, metadata

# An event's tiers, in `position` order: the first is what a booking of `{event_id, quantity}` buys.
ticket_types = Table(
    "ticket_types",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("event_id", String(36), ForeignKey("events.id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("price_cents", BigInteger, nullable=False),
    Column("quota", Integer, nullable=False),
    Column("sales_start", UtcDateTime(), nullable=True),  # null: whenever the event is on sale
    Column("sales_end", UtcDateTime(), nullable=True),  # exclusive; null: until the event ends
    Column("max_per_order", Integer, nullable=True),  # null: the platform's per-order maximum only
    Column("position", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # Seats held or sold (migration 0010): changed in the statements that change the event's seats_available.
    Column("taken", Integer, nullable=False, server_default=text("0")),
    CheckConstraint("price_cents >= 0", name="price_not_negative"),
    CheckConstraint("taken >= 0 AND taken <= quota", name="taken_within_quota"),
    CheckConstraint("quota >= 0", name="quota_not_negative"),
    CheckConstraint("max_per_order IS NULL OR max_per_order > 0", name="max_per_order_positive"),
    Index("ix_ticket_types_event_id_position", "event_id", "position"),
)

# One row per seat of a confirmed booking. The id is the one the code's MAC covers (domain/ticket_codes.py); the
# type's name and the attendee are copied as they were at issue, so the door list never changes under anyone.
tickets = Table(
    "tickets",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("booking_id", String(36), ForeignKey("bookings.id"), nullable=False, index=True),
    Column("event_id", String(36), ForeignKey("events.id"), nullable=False, index=True),
    Column("ticket_type_id", String(36), ForeignKey("ticket_types.id"), nullable=False),
    Column("type_name", String(200), nullable=False),
    Column("attendee_name", String(200), nullable=False),
    Column("attendee_email", String(254), nullable=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("checked_in_at", UtcDateTime(), nullable=True),
    Column("checked_in_by", String(36), ForeignKey("users.id"), nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("voided_at", UtcDateTime(), nullable=True),
    Column("seat", Integer, nullable=True),  # migration 0010: the seat in line order; null for tickets issued before
    CheckConstraint("status IN ('valid', 'checked_in', 'void')", name="status_known"),
    CheckConstraint("status <> 'checked_in' OR checked_in_at IS NOT NULL", name="checked_in_has_time"),
)

# The accounts an organizer named to check in one event's tickets.
event_staff = Table(
    "event_staff",
    metadata,
    Column("event_id", String(36), ForeignKey("events.id"), nullable=False),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False),
    Column("added_by", String(36), ForeignKey("users.id"), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    PrimaryKeyConstraint("event_id", "user_id"),
)

# An event's discount codes (migration 0010), stored upper-case. `uses` counts the holds and bookings that took one:
# taken in the hold's statement, given back when the booking lets its seats go.
promo_codes = Table(
    "promo_codes",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("event_id", String(36), ForeignKey("events.id"), nullable=False),
    Column("code", String(64), nullable=False),
    Column("percent_off", Integer, nullable=True),
    Column("amount_off_cents", BigInteger, nullable=True),
    Column("max_uses", Integer, nullable=True),
    Column("uses", Integer, nullable=False),
    Column("valid_until", UtcDateTime(), nullable=True),
    Column("ticket_type_ids", JSON, nullable=True),  # null: every type of the event
    Column("created_at", UtcDateTime(), nullable=False),
    CheckConstraint("uses >= 0 AND (max_uses IS NULL OR uses <= max_uses)", name="uses_within_max"),
    CheckConstraint("(percent_off IS NULL) <> (amount_off_cents IS NULL)", name="one_discount"),
    UniqueConstraint("event_id", "code"),
)
