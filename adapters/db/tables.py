"""SQLAlchemy Core tables. The Alembic migrations must produce exactly this schema (a test checks it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    false,
    text,
)
from sqlalchemy.types import TypeDecorator

from adapters.db.json_columns import AttendeesColumn, LinesColumn

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the database keeps.

    SQLite has no time zones: values are stored as naive UTC text (one fixed format, so text order is time
    order) and come back marked UTC. PostgreSQL keeps `timestamptz` and gets aware values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the domain works in aware UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _id(name: str = "id", *args: Any, **kwargs: Any) -> Column[str]:
    return Column(name, String(36), *args, **kwargs)


def _at(name: str, *, nullable: bool = False) -> Column[datetime]:
    return Column(name, UtcDateTime(), nullable=nullable)


users = Table(
    "users",
    metadata,
    _id(primary_key=True),
    Column("email", String(254), nullable=False, unique=True),  # stored lower-case
    Column("name", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("password_hash", String(255), nullable=False),
    _at("created_at"),
)

sessions = Table(
    "sessions",
    metadata,
    _id(primary_key=True),
    _id("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    _at("created_at"),
    _at("revoked_at", nullable=True),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    _id("session_id", ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True),
    _id("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    _at("expires_at"),
    _at("used_at", nullable=True),
)

events = Table(
    "events",
    metadata,
    _id(primary_key=True),
    _id("organizer_id", ForeignKey("users.id"), nullable=False),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False),
    Column("category", String(100), nullable=False),
    Column("venue", String(200), nullable=False),
    _at("starts_at"),
    _at("ends_at"),
    Column("capacity", Integer, nullable=False),
    Column("seats_available", Integer, nullable=False),
    Column("price_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    _at("created_at"),
    # Moved on by every statement that changes the event or its seats: what a cached copy is checked against.
    Column("version", BigInteger, nullable=False, server_default="0"),
    _at("sale_starts_at", nullable=True),  # null: on sale now
    Column("max_per_buyer", Integer, nullable=True),  # seats one buyer may hold or own; null: no limit
    Column("waiting_room", Boolean, nullable=False, server_default=false()),  # holds need a queue pass
    # The last line of defence against overselling and over-releasing: no code path can break these.
    CheckConstraint("seats_available >= 0 AND seats_available <= capacity", name="seats_in_range"),
    CheckConstraint("capacity > 0", name="capacity_positive"),
    CheckConstraint("max_per_buyer IS NULL OR max_per_buyer > 0", name="max_per_buyer_positive"),
    Index("ix_events_status_starts_at", "status", "starts_at"),
    Index("ix_events_organizer_id_created_at", "organizer_id", "created_at"),
)

bookings = Table(
    "bookings",
    metadata,
    _id(primary_key=True),
    _id("event_id", ForeignKey("events.id"), nullable=False, index=True),
    _id("user_id", ForeignKey("users.id"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    _at("created_at"),
    _at("expires_at"),
    _at("confirmed_at", nullable=True),
    _at("cancelled_at", nullable=True),
    Column("charge_key", String(200), nullable=True),
    _at("charge_started_at", nullable=True),
    _at("cancel_requested_at", nullable=True),
    Column("receipt_number", String(32), nullable=True),
    Column("lines", LinesColumn(), nullable=True),  # migration 0010; NULL: seats of the event's first type
    Column("discount_cents", BigInteger, nullable=False, server_default=text("0")),
    _id("promo_code_id", nullable=True),
    Column("promo_code", String(64), nullable=True),
    Column("attendees", AttendeesColumn(), nullable=True),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    Index("ix_bookings_user_id_created_at", "user_id", "created_at"),
    Index("ix_bookings_status_expires_at", "status", "expires_at"),
)

payments = Table(
    "payments",
    metadata,
    _id(primary_key=True),
    _id("booking_id", ForeignKey("bookings.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("status", String(16), nullable=False),
    Column("reference", String(200), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("card_last4", String(4), nullable=False),
    _at("paid_at"),
    _at("refunded_at", nullable=True),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    _id("user_id", nullable=False),
    Column("key", String(255), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("outcome", JSON(none_as_null=True), nullable=True),  # NULL while the first request runs
    _at("locked_until"),
    _at("created_at", nullable=False),
    PrimaryKeyConstraint("user_id", "key"),
    Index("ix_idempotency_keys_created_at", "created_at"),
)

sandbox_charges = Table(
    "sandbox_charges",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("status", String(16), nullable=False),  # processing, succeeded, declined, voided
    Column("decline_code", String(64), nullable=True),
    Column("reference", String(200), nullable=True),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("card_last4", String(4), nullable=True),
    _at("created_at"),
    _at("settles_at", nullable=True),
)

sandbox_refunds = Table(
    "sandbox_refunds",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("charge_reference", String(200), nullable=False),
    Column("amount_cents", BigInteger, nullable=False),
    Column("reference", String(200), nullable=False),
    _at("created_at"),
)

# The Stripe adapter's ledger: what each key charges, written before Stripe is called, so that `settle` can replay
# the PaymentIntent's creation exactly (Stripe answers a replay with the same intent); `voided` when settle saw
# the key first (no charge under it ever goes to Stripe).
stripe_charges = Table(
    "stripe_charges",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("amount_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("payment_method", String(255), nullable=False),
    Column("voided", Boolean, nullable=False),
    _at("created_at"),
)

# One row: moved on when an event is added or edited (which events a list shows, and in what order, may differ).
catalog_versions = Table(
    "catalog_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("listings", BigInteger, nullable=False, server_default="0"),
)

# The transactional outbox: a message row is written in the same transaction as the change it tells of.
outbox = Table(
    "outbox",
    metadata,
    _id(primary_key=True),
    Column("topic", String(64), nullable=False),
    Column("payload", JSON, nullable=False),
    _at("created_at"),
    _at("published_at", nullable=True),  # set once the broker confirmed it (or the in-process dispatch ran)
    Index("ix_outbox_published_at_created_at", "published_at", "created_at"),
)

# What each consumer has handled already: redeliveries are recognised and skipped.
inbox = Table(
    "inbox",
    metadata,
    Column("consumer", String(64), nullable=False),
    _id("message_id", nullable=False),
    _at("processed_at"),
    PrimaryKeyConstraint("consumer", "message_id"),
)

# The tables that live in modules of their own register on `metadata` when imported: import them here, so whoever
# reads `metadata` (Alembic's env.py, the migration test) sees the whole schema.
from adapters.db import queue_tables, ticket_tables, waitlist_tables  # noqa: E402, F401
