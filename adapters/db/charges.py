"""A payment's statements on PostgreSQL, each for a whole batch: start the charges (claim the keys, name the
charges), confirm them (with their payments, messages and tickets), or end them unpaid.

Each is one statement in autocommit: one round trip, atomic, no BEGIN/COMMIT. A booking's row lock is taken by
the statement's UPDATE and held for that statement only; a writer that waited re-evaluates its WHERE against the
committed row, so two payments of one booking cannot both start a charge (each charge has its own key, and only
the one the UPDATE applied is reported started). SQLite runs the same steps in adapters/db/charges_portable.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON

from adapters.db import charges_portable
from adapters.db.base import statement
from adapters.db.idempotency import record
from adapters.db.rows import PAYMENT_PREFIX, booking_from_row
from adapters.db.tables import UtcDateTime, bookings, payments
from adapters.db.tickets import FIRST_TYPE, TICKET_COLUMNS
from domain.messages import Message
from domain.model import Booking, Payment, PaymentStatus
from domain.ports import ChargeClaim, ChargeEnd, ChargeStart, Confirmation

if TYPE_CHECKING:
    from adapters.db.uow import Link

_PAYABLE = """b.user_id = req.user_id AND b.status = 'pending' AND b.cancel_requested_at IS NULL
          AND (b.charge_key IS NULL OR b.charge_key = req.charge_key)
          AND (b.expires_at > :now OR b.charge_key IS NOT NULL)"""
_BOOKING_COLUMNS = ", ".join(
    [f"bookings.{c.name}" for c in bookings.c] + [f"payments.{c.name} AS {PAYMENT_PREFIX}{c.name}" for c in payments.c]
)
_TYPES = {c.name: c.type for c in bookings.c} | {PAYMENT_PREFIX + c.name: c.type for c in payments.c}

_START = statement(
    """
    WITH req AS (
        SELECT * FROM unnest(CAST(:ords AS int[]), CAST(:booking_ids AS text[]), CAST(:user_ids AS text[]),
                             CAST(:charge_keys AS text[]), CAST(:keys AS text[]), CAST(:hashes AS text[]))
               AS r(ord, booking_id, user_id, charge_key, key, request_hash)
    ), claim AS (
        INSERT INTO idempotency_keys (user_id, key, request_hash, outcome, locked_until, created_at)
        SELECT req.user_id, req.key, req.request_hash, NULL, :locked_until, :now
          FROM req JOIN bookings b ON b.id = req.booking_id WHERE {payable}
        ON CONFLICT (user_id, key) DO UPDATE SET locked_until = EXCLUDED.locked_until
         WHERE idempotency_keys.outcome IS NULL AND idempotency_keys.locked_until <= :now
           AND idempotency_keys.request_hash = EXCLUDED.request_hash
        RETURNING user_id, key
    ), started AS (
        UPDATE bookings b SET charge_key = req.charge_key, charge_started_at = :now
          FROM req JOIN claim c ON c.user_id = req.user_id AND c.key = req.key
         WHERE b.id = req.booking_id AND {payable}
        RETURNING b.id, b.charge_key
    )
    SELECT req.ord,
           EXISTS (SELECT 1 FROM claim c WHERE c.user_id = req.user_id AND c.key = req.key) AS claimed,
           EXISTS (SELECT 1 FROM started s WHERE s.id = req.booking_id AND s.charge_key = req.charge_key) AS started,
           {columns}, k.request_hash AS prior_hash, k.outcome AS prior_outcome, k.locked_until AS prior_locked_until
      FROM req LEFT JOIN bookings ON bookings.id = req.booking_id
      LEFT JOIN payments ON payments.booking_id = bookings.id
      LEFT JOIN idempotency_keys k ON k.user_id = req.user_id AND k.key = req.key
     ORDER BY req.ord
    """,
    columns=_BOOKING_COLUMNS,
    payable=_PAYABLE,
).columns(**_TYPES, prior_outcome=JSON(), prior_locked_until=UtcDateTime())

_CONFIRM = statement(
    """
    WITH req AS (
        SELECT * FROM unnest(CAST(:ords AS int[]), CAST(:booking_ids AS text[]), CAST(:charge_keys AS text[]),
                             CAST(:confirmed AS timestamptz[]), CAST(:receipts AS text[]), CAST(:payment_ids AS text[]),
                             CAST(:references AS text[]), CAST(:amounts AS bigint[]), CAST(:currencies AS text[]),
                             CAST(:last4s AS text[]), CAST(:user_ids AS text[]), CAST(:keys AS text[]),
                             CAST(:outcomes AS json[]))
               AS r(ord, booking_id, charge_key, confirmed_at, receipt_number, payment_id, reference, amount_cents,
                    currency, card_last4, user_id, key, outcome)
    ), confirmed AS (
        UPDATE bookings b SET status = 'confirmed', confirmed_at = req.confirmed_at,
               receipt_number = req.receipt_number, charge_key = NULL, charge_started_at = NULL
          FROM req WHERE b.id = req.booking_id AND b.charge_key = req.charge_key AND b.status = 'pending'
        RETURNING b.id, b.event_id, b.user_id
    ), issued AS (
        INSERT INTO tickets ({ticket_columns})
        SELECT t.id, c.id, c.event_id, tt.id, coalesce(t.type_name, tt.name), coalesce(t.name, u.name),
               CASE WHEN t.name IS NULL THEN u.email ELSE t.email END, t.code, 'valid', req.confirmed_at, t.seat
          FROM unnest(CAST(:t_ids AS text[]), CAST(:t_bookings AS text[]), CAST(:t_codes AS text[]),
                      CAST(:t_types AS text[]), CAST(:t_type_names AS text[]), CAST(:t_names AS text[]),
                      CAST(:t_emails AS text[]), CAST(:t_seats AS int[]))
               AS t(id, booking_id, code, type_id, type_name, name, email, seat)
          JOIN confirmed c ON c.id = t.booking_id
          JOIN req ON req.booking_id = t.booking_id
          JOIN users u ON u.id = c.user_id
          JOIN ticket_types tt ON tt.id = coalesce(t.type_id, ({first_type}))
    ), paid AS (
        INSERT INTO payments (id, booking_id, status, reference, amount_cents, currency, card_last4, paid_at)
        SELECT req.payment_id, req.booking_id, :succeeded, req.reference, req.amount_cents, req.currency,
               req.card_last4, req.confirmed_at
          FROM req JOIN confirmed c ON c.id = req.booking_id
    ), told AS (
        INSERT INTO outbox (id, topic, payload, created_at)
        SELECT m.id, m.topic, m.payload, m.created_at
          FROM unnest(CAST(:m_bookings AS text[]), CAST(:m_ids AS text[]), CAST(:m_topics AS text[]),
                      CAST(:m_payloads AS json[]), CAST(:m_created AS timestamptz[]))
               AS m(booking_id, id, topic, payload, created_at)
          JOIN confirmed c ON c.id = m.booking_id
    ), answered AS (
        UPDATE idempotency_keys k SET outcome = req.outcome
          FROM req JOIN confirmed c ON c.id = req.booking_id WHERE k.user_id = req.user_id AND k.key = req.key
    )
    SELECT req.ord, EXISTS (SELECT 1 FROM confirmed c WHERE c.id = req.booking_id) FROM req ORDER BY req.ord
    """,
    ticket_columns=TICKET_COLUMNS,
    first_type=FIRST_TYPE.replace("{event}", "c.event_id"),
)

_END = statement(
    """
    WITH req AS (
        SELECT * FROM unnest(CAST(:booking_ids AS text[]), CAST(:charge_keys AS text[]), CAST(:user_ids AS text[]),
                             CAST(:keys AS text[]), CAST(:outcomes AS json[]))
               AS r(booking_id, charge_key, user_id, key, outcome)
    ), cleared AS (
        UPDATE bookings b SET charge_key = NULL, charge_started_at = NULL
          FROM req WHERE b.id = req.booking_id AND b.charge_key = req.charge_key
    ), answered AS (
        UPDATE idempotency_keys k SET outcome = req.outcome
          FROM req WHERE req.outcome IS NOT NULL AND k.user_id = req.user_id AND k.key = req.key
    )
    DELETE FROM idempotency_keys k USING req WHERE req.outcome IS NULL AND k.user_id = req.user_id AND k.key = req.key
    """
)


async def start_charges(conn: Link, claims: Sequence[ChargeClaim]) -> list[ChargeStart]:
    if conn.dialect.name != "postgresql":
        return await charges_portable.start_charges(conn, claims)
    if not claims:
        return []
    now = claims[0].key.created_at
    params = {
        "ords": list(range(len(claims))),
        "booking_ids": [c.booking_id for c in claims],
        "user_ids": [c.user_id for c in claims],
        "charge_keys": [c.charge_key for c in claims],
        "keys": [c.key.key for c in claims],
        "hashes": [c.key.request_hash for c in claims],
        "locked_until": claims[0].key.locked_until,
        "now": now,
    }
    starts = []
    for claim, row in zip(claims, (await conn.execute(_START, params)).mappings(), strict=True):
        booking = booking_from_row(row) if row["id"] is not None else None
        started = bool(row["started"])
        if started and booking is not None:  # the row as it was before the statement named the charge
            booking.charge_key, booking.charge_started_at = claim.charge_key, now
        prior = None
        if row["prior_hash"] is not None:
            prior = record(
                {
                    "request_hash": row["prior_hash"],
                    "outcome": row["prior_outcome"],
                    "locked_until": row["prior_locked_until"],
                }
            )
        starts.append(ChargeStart(bool(row["claimed"]), started, booking, prior))
    return starts


async def confirm_charges(conn: Link, confirmations: Sequence[Confirmation]) -> list[bool]:
    if conn.dialect.name != "postgresql":
        return await charges_portable.confirm_charges(conn, confirmations)
    if not confirmations:
        return []
    rows: list[tuple[Booking, Payment, Confirmation]] = []
    messages: list[tuple[str, Message, datetime | None]] = []
    for c in confirmations:
        booking, payment = c.booking, c.booking.payment
        assert payment is not None and payment.status is PaymentStatus.SUCCEEDED, "confirm() the booking first"
        rows.append((booking, payment, c))
        messages.extend((booking.id, m, booking.confirmed_at) for m in booking.take_messages())
    params = {
        "ords": list(range(len(rows))),
        "booking_ids": [b.id for b, _, _ in rows],
        "charge_keys": [c.charge_key for _, _, c in rows],
        "confirmed": [b.confirmed_at for b, _, _ in rows],
        "receipts": [b.receipt_number for b, _, _ in rows],
        "payment_ids": [p.id for _, p, _ in rows],
        "references": [p.reference for _, p, _ in rows],
        "amounts": [p.amount_cents for _, p, _ in rows],
        "currencies": [p.currency for _, p, _ in rows],
        "last4s": [p.card_last4 for _, p, _ in rows],
        "user_ids": [c.key[0] for _, _, c in rows],
        "keys": [c.key[1] for _, _, c in rows],
        "outcomes": [json.dumps(c.outcome) for _, _, c in rows],
        "succeeded": PaymentStatus.SUCCEEDED.value,
        "m_bookings": [booking_id for booking_id, _, _ in messages],
        "m_ids": [m.id for _, m, _ in messages],
        "m_topics": [m.topic for _, m, _ in messages],
        "m_payloads": [json.dumps(m.payload) for _, m, _ in messages],
        "m_created": [at for _, _, at in messages],
        # Its tickets, in the same statement: the seats of a booking that is not confirmed here are not written.
        "t_ids": [t.id for _, _, c in rows for t in c.tickets],
        "t_bookings": [t.booking_id for _, _, c in rows for t in c.tickets],
        "t_codes": [t.code for _, _, c in rows for t in c.tickets],
        "t_types": [t.ticket_type_id for _, _, c in rows for t in c.tickets],
        "t_type_names": [t.type_name for _, _, c in rows for t in c.tickets],
        "t_names": [t.attendee_name for _, _, c in rows for t in c.tickets],
        "t_emails": [t.attendee_email for _, _, c in rows for t in c.tickets],
        "t_seats": [t.seat for _, _, c in rows for t in c.tickets],
    }
    return [bool(row[1]) for row in await conn.execute(_CONFIRM, params)]


async def end_charges(conn: Link, endings: Sequence[ChargeEnd]) -> None:
    if conn.dialect.name != "postgresql":
        await charges_portable.end_charges(conn, endings)
        return
    if endings:
        params = {
            "booking_ids": [e.booking_id for e in endings],
            "charge_keys": [e.charge_key for e in endings],
            "user_ids": [e.key[0] for e in endings],
            "keys": [e.key[1] for e in endings],
            "outcomes": [json.dumps(e.outcome) if e.outcome is not None else None for e in endings],
        }
        await conn.execute(_END, params)
