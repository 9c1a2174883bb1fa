"""A payment's statements: start the charge (claim the key, name the charge), confirm it, or end it unpaid.

On PostgreSQL each is one statement in autocommit: one round trip, atomic, no BEGIN/COMMIT. The booking's row
lock is taken by the statement's UPDATE and held for that statement only; a writer that waited re-evaluates its
WHERE against the committed row, so two payments of one booking cannot both start a charge. On SQLite the same
steps run inside the unit of work's IMMEDIATE transaction.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, and_, delete, exists, insert, or_, select, text, update

from adapters.db.base import statement
from adapters.db.idempotency import key_values, record
from adapters.db.rows import PAYMENT_PREFIX, booking_from_row, with_payment
from adapters.db.tables import UtcDateTime, bookings, idempotency_keys, outbox, payments
from domain.model import Booking, BookingStatus
from domain.ports import ChargeStart, StoredKey

if TYPE_CHECKING:
    from adapters.db.uow import Link

_PAYABLE = """user_id = :user_id AND status = 'pending' AND cancel_requested_at IS NULL
          AND (charge_key IS NULL OR charge_key = :charge_key) AND (expires_at > :now OR charge_key IS NOT NULL)"""
_BOOKING_COLUMNS = ", ".join(
    [f"bookings.{c.name}" for c in bookings.c] + [f"payments.{c.name} AS {PAYMENT_PREFIX}{c.name}" for c in payments.c]
)
_TYPES = {c.name: c.type for c in bookings.c} | {PAYMENT_PREFIX + c.name: c.type for c in payments.c}

_START = statement(
    """
    WITH found AS (
        SELECT {columns} FROM bookings LEFT JOIN payments ON payments.booking_id = bookings.id
         WHERE bookings.id = :booking_id
    ), prior AS (
        SELECT request_hash, outcome, locked_until FROM idempotency_keys WHERE user_id = :user_id AND key = :key
    ), claim AS (
        INSERT INTO idempotency_keys (user_id, key, request_hash, outcome, locked_until, created_at)
        SELECT :user_id, :key, :request_hash, NULL, :locked_until, :now
         WHERE EXISTS (SELECT 1 FROM bookings WHERE id = :booking_id AND {payable})
        ON CONFLICT (user_id, key) DO UPDATE SET locked_until = EXCLUDED.locked_until
         WHERE idempotency_keys.outcome IS NULL AND idempotency_keys.locked_until <= :now
           AND idempotency_keys.request_hash = EXCLUDED.request_hash
        RETURNING 1
    ), started AS (
        UPDATE bookings SET charge_key = :charge_key, charge_started_at = :now
         WHERE id = :booking_id AND {payable} AND EXISTS (SELECT 1 FROM claim)
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM claim) AS claimed, (SELECT count(*) FROM started) AS started, found.*,
           prior.request_hash AS prior_hash, prior.outcome AS prior_outcome, prior.locked_until AS prior_locked_until
      FROM (SELECT 1) AS one LEFT JOIN found ON true LEFT JOIN prior ON true
    """,
    columns=_BOOKING_COLUMNS,
    payable=_PAYABLE,
).columns(**_TYPES, prior_outcome=JSON(), prior_locked_until=UtcDateTime())

_CONFIRM = text(
    """
    WITH confirmed AS (
        UPDATE bookings SET status = 'confirmed', confirmed_at = :now, receipt_number = :receipt_number,
               charge_key = NULL, charge_started_at = NULL
         WHERE id = :booking_id AND charge_key = :charge_key AND status = 'pending'
        RETURNING id
    ), paid AS (
        INSERT INTO payments (id, booking_id, status, reference, amount_cents, currency, card_last4, paid_at)
        SELECT :payment_id, :booking_id, :payment_status, :reference, :amount_cents, :currency, :card_last4, :now
         WHERE EXISTS (SELECT 1 FROM confirmed)
    ), told AS (
        INSERT INTO outbox (id, topic, payload, created_at)
        SELECT m.id, m.topic, m.payload, :now
          FROM unnest(CAST(:message_ids AS text[]), CAST(:topics AS text[]), CAST(:payloads AS json[]))
               AS m(id, topic, payload)
         WHERE EXISTS (SELECT 1 FROM confirmed)
    ), answered AS (
        UPDATE idempotency_keys SET outcome = CAST(:outcome AS json)
         WHERE user_id = :user_id AND key = :key AND EXISTS (SELECT 1 FROM confirmed)
    )
    SELECT count(*) FROM confirmed
    """
)

_CLEAR = """cleared AS (UPDATE bookings SET charge_key = NULL, charge_started_at = NULL
                            WHERE id = :booking_id AND charge_key = :charge_key)"""
_END_ANSWERED = statement(
    """WITH {cleared}
    UPDATE idempotency_keys SET outcome = CAST(:outcome AS json) WHERE user_id = :user_id AND key = :key""",
    cleared=_CLEAR,
)
_END_RELEASED = statement(
    "WITH {cleared} DELETE FROM idempotency_keys WHERE user_id = :user_id AND key = :key", cleared=_CLEAR
)


async def start_charge(conn: Link, booking_id: str, user_id: str, charge_key: str, claim: StoredKey) -> ChargeStart:
    if conn.dialect.name != "postgresql":
        return await _start_portable(conn, booking_id, user_id, charge_key, claim)
    params = {
        "booking_id": booking_id,
        "user_id": user_id,
        "charge_key": charge_key,
        "key": claim.key,
        "request_hash": claim.request_hash,
        "locked_until": claim.locked_until,
        "now": claim.created_at,
    }
    row = (await conn.execute(_START, params)).mappings().one()
    booking = booking_from_row(row) if row["id"] is not None else None
    started = bool(row["started"])
    if started and booking is not None:
        booking.charge_key, booking.charge_started_at = charge_key, claim.created_at
    prior = None
    if row["prior_hash"] is not None:
        prior = record(
            {
                "request_hash": row["prior_hash"],
                "outcome": row["prior_outcome"],
                "locked_until": row["prior_locked_until"],
            }
        )
    return ChargeStart(bool(row["claimed"]), started, booking, prior)


async def confirm_charge(
    conn: Link, booking: Booking, charge_key: str, key: tuple[str, str], outcome: dict[str, Any]
) -> bool:
    payment = booking.payment
    assert payment is not None and booking.confirmed_at is not None, "confirm() the booking first"
    messages = booking.take_messages()
    if conn.dialect.name != "postgresql":
        return await _confirm_portable(conn, booking, charge_key, key, outcome, messages)
    params = {
        "booking_id": booking.id,
        "charge_key": charge_key,
        "now": booking.confirmed_at,
        "receipt_number": booking.receipt_number,
        "payment_id": payment.id,
        "payment_status": payment.status.value,
        "reference": payment.reference,
        "amount_cents": payment.amount_cents,
        "currency": payment.currency,
        "card_last4": payment.card_last4,
        "message_ids": [m.id for m in messages],
        "topics": [m.topic for m in messages],
        "payloads": [json.dumps(m.payload) for m in messages],
        "outcome": json.dumps(outcome),
        "user_id": key[0],
        "key": key[1],
    }
    return bool((await conn.execute(_CONFIRM, params)).scalar_one())


async def end_charge(
    conn: Link, booking_id: str, charge_key: str, key: tuple[str, str], outcome: dict[str, Any] | None
) -> None:
    params: dict[str, Any] = {"booking_id": booking_id, "charge_key": charge_key, "user_id": key[0], "key": key[1]}
    if conn.dialect.name != "postgresql":
        await _end_portable(conn, params, outcome)
    elif outcome is None:
        await conn.execute(_END_RELEASED, params)
    else:
        await conn.execute(_END_ANSWERED, {**params, "outcome": json.dumps(outcome)})


# --- the same steps on SQLite, inside the unit of work's transaction -----------------------------------------


def _payable(booking_id: str, user_id: str, charge_key: str, now: datetime) -> Any:
    b = bookings.c
    return and_(
        b.id == booking_id,
        b.user_id == user_id,
        b.status == BookingStatus.PENDING.value,
        b.cancel_requested_at.is_(None),
        or_(b.charge_key.is_(None), b.charge_key == charge_key),
        or_(b.expires_at > now, b.charge_key.is_not(None)),
    )


async def _start_portable(conn: Link, booking_id: str, user_id: str, charge_key: str, claim: StoredKey) -> ChargeStart:
    now = claim.created_at
    row = (await conn.execute(with_payment().where(bookings.c.id == booking_id))).mappings().first()
    booking = booking_from_row(row) if row else None
    query = select(idempotency_keys).where(idempotency_keys.c.user_id == user_id, idempotency_keys.c.key == claim.key)
    stored = (await conn.execute(query)).mappings().first()
    prior = record(stored) if stored else None
    payable = bool(await conn.scalar(select(exists().where(_payable(booking_id, user_id, charge_key, now)))))
    if not payable:
        return ChargeStart(False, False, booking, prior)
    if prior is not None:
        if not (prior.outcome is None and prior.locked_until <= now and prior.request_hash == claim.request_hash):
            return ChargeStart(False, False, booking, prior)
        where = (idempotency_keys.c.user_id == user_id, idempotency_keys.c.key == claim.key)
        await conn.execute(update(idempotency_keys).where(*where).values(locked_until=claim.locked_until))
    else:
        await conn.execute(insert(idempotency_keys).values(**key_values(claim)))
    await conn.execute(
        update(bookings).where(bookings.c.id == booking_id).values(charge_key=charge_key, charge_started_at=now)
    )
    assert booking is not None
    booking.charge_key, booking.charge_started_at = charge_key, now
    return ChargeStart(True, True, booking, None)


async def _confirm_portable(
    conn: Link, booking: Booking, charge_key: str, key: tuple[str, str], outcome: dict[str, Any], messages: list[Any]
) -> bool:
    b = bookings.c
    confirmed = update(bookings).where(
        b.id == booking.id, b.charge_key == charge_key, b.status == BookingStatus.PENDING.value
    )
    values = {
        "status": booking.status.value,
        "confirmed_at": booking.confirmed_at,
        "receipt_number": booking.receipt_number,
        "charge_key": None,
        "charge_started_at": None,
    }
    if (await conn.execute(confirmed.values(**values))).rowcount != 1:
        return False
    payment = booking.payment
    assert payment is not None
    await conn.execute(
        insert(payments).values(
            **{c.name: getattr(payment, c.name) for c in payments.c if c.name != "status"}, status=payment.status.value
        )
    )
    if messages:
        rows = [
            {"id": m.id, "topic": m.topic, "payload": m.payload, "created_at": booking.confirmed_at} for m in messages
        ]
        await conn.execute(insert(outbox), rows)
    keys = idempotency_keys.c
    await conn.execute(
        update(idempotency_keys).where(keys.user_id == key[0], keys.key == key[1]).values(outcome=outcome)
    )
    return True


async def _end_portable(conn: Link, params: dict[str, Any], outcome: dict[str, Any] | None) -> None:
    b, keys = bookings.c, idempotency_keys.c
    cleared = update(bookings).where(b.id == params["booking_id"], b.charge_key == params["charge_key"])
    await conn.execute(cleared.values(charge_key=None, charge_started_at=None))
    mine = (keys.user_id == params["user_id"], keys.key == params["key"])
    if outcome is None:
        await conn.execute(delete(idempotency_keys).where(*mine))
    else:
        await conn.execute(update(idempotency_keys).where(*mine).values(outcome=outcome))
