"""The waiting list's table, on the same MetaData as adapters/db/tables.py (migration 0008 makes it)."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint

from adapters.db.tables import UtcDateTime, metadata

waitlist_entries = Table(
    "waitlist_entries",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("event_id", String(36), ForeignKey("events.id"), nullable=False),
    Column("user_id", String(36), ForeignKey("users.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("status", String(16), nullable=False),  # waiting | offered; booked and expired are the offer's status
    Column("joined_at", UtcDateTime(), nullable=False),
    Column("booking_id", String(36), ForeignKey("bookings.id"), nullable=True),  # the hold offered
    Column("offered_at", UtcDateTime(), nullable=True),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    CheckConstraint("status IN ('waiting', 'offered')", name="status_known"),
    UniqueConstraint("event_id", "user_id"),  # one entry per user and event: joining again finds it
    # The offers' scan and the positions: an event's waiting entries in the order they joined.
    Index("ix_waitlist_entries_event_id_status_joined_at", "event_id", "status", "joined_at", "id"),
)
