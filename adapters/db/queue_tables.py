"""The waiting room's tables (migration 0007), on the shared MetaData of `adapters.db.tables`.

Kept apart from `tables.py` because only the database queue store uses them; importing this module registers
them on the shared metadata (the migration test imports it, so Alembic's head is compared with them too).

One order key per entry puts the whole queue in one sortable column: entries that joined before the sale opened
carry their random draw (below `LATE_BASE`), later ones `LATE_BASE + n` in arrival order, so every early entry
sorts before every late one. Ties between equal draws (one in 2**52) fall to the user id.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, Column, Float, Index, Integer, PrimaryKeyConstraint, String, Table

from adapters.db.tables import UtcDateTime, metadata

# One row per event: the admission bound (and when it last moved), the arrival counter, the admission rate.
queue_rooms = Table(
    "queue_rooms",
    metadata,
    Column("event_id", String(36), primary_key=True),
    Column("bound", Integer, nullable=False),
    Column("bound_at", UtcDateTime(), nullable=False),
    Column("next_seq", BigInteger, nullable=False),
    Column("rate", Float, nullable=False),  # admissions per second, smoothed; 0 until measured
    Column("rate_at", UtcDateTime(), nullable=True),
)

queue_entries = Table(
    "queue_entries",
    metadata,
    Column("event_id", String(36), nullable=False),
    Column("user_id", String(36), nullable=False),
    Column("order_key", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # waiting, admitted (read `expired` once its pass ran out)
    Column("joined_at", UtcDateTime(), nullable=False),
    Column("admitted_at", UtcDateTime(), nullable=True),
    Column("admitted_until", UtcDateTime(), nullable=True),
    CheckConstraint("status IN ('waiting', 'admitted', 'expired')", name="status_known"),
    PrimaryKeyConstraint("event_id", "user_id"),
    Index("ix_queue_entries_order", "event_id", "order_key", "user_id"),
    Index("ix_queue_entries_status_order", "event_id", "status", "order_key", "user_id"),
    Index("ix_queue_entries_status_until", "event_id", "status", "admitted_until"),
)
