"""A payment's steps on SQLite (the embedded default of `make run`): the same as adapters/db/charges.py's
statements, one booking at a time inside the unit of work's IMMEDIATE transaction, which excludes every other
writer."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, exists, insert, or_, select, update

from adapters.db.idempotency import key_values, record
from adapters.db.rows import booking_from_row, with_payment
from adapters.db.tables import bookings, idempotency_keys, outbox, payments
from adapters.db.tickets import ISSUE, issue_rows
from domain.model import Booking, BookingStatus
from domain.ports import ChargeClaim, ChargeEnd, ChargeStart, Confirmation, StoredKey

if TYPE_CHECKING:
    from adapters.db.uow import Link


async def start_charges(conn: Link, claims: Sequence[ChargeClaim]) -> list[ChargeStart]:
    return [await _start_portable(conn, c.booking_id, c.user_id, c.charge_key, c.key) for c in claims]


async def confirm_charges(conn: Link, confirmations: Sequence[Confirmation]) -> list[bool]:
    done = []
    for c in confirmations:
        messages = c.booking.take_messages()
        done.append(await _confirm_portable(conn, c.booking, c.charge_key, c.key, c.outcome, messages))
    # The tickets of those confirmed, in one statement for the batch (executemany), in the same transaction.
    rows = [
        row
        for c, confirmed in zip(confirmations, done, strict=True)
        if confirmed and c.booking.confirmed_at is not None
        for row in issue_rows(c.tickets, c.booking.confirmed_at)
    ]
    if rows:
        await conn.execute(ISSUE, rows)
    return done


async def end_charges(conn: Link, endings: Sequence[ChargeEnd]) -> None:
    for e in endings:
        params = {"booking_id": e.booking_id, "charge_key": e.charge_key, "user_id": e.key[0], "key": e.key[1]}
        await _end_portable(conn, params, e.outcome)


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
