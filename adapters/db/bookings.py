"""Bookings and their payments, loaded together with one LEFT JOIN."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, insert, or_, select

from adapters.db.base import Repository, after_desc, row_values
from adapters.db.tables import bookings, payments
from domain.model import Booking, BookingStatus, Payment, PaymentStatus
from domain.pagination import Position

_PAYMENT_PREFIX = "payment_"
_OPEN = (BookingStatus.PENDING.value, BookingStatus.CONFIRMED.value)


def _with_payment() -> Select[Any]:
    columns = [c.label(_PAYMENT_PREFIX + c.name) for c in payments.c]
    return select(bookings, *columns).select_from(bookings.outerjoin(payments, payments.c.booking_id == bookings.c.id))


class SqlBookingRepository(Repository):
    async def add(self, booking: Booking) -> None:
        await self._conn.execute(insert(bookings), row_values(booking, exclude=("payment",)))
        if booking.payment is not None:
            await self._conn.execute(insert(payments), row_values(booking.payment))
        await self._write_messages(booking)

    async def get(self, booking_id: str) -> Booking | None:
        return await self._one(_with_payment().where(bookings.c.id == booking_id))

    async def get_for_update(self, booking_id: str) -> Booking | None:
        """Lock the booking's row, then read it with its payment. Not in one statement: in READ COMMITTED, a
        locking SELECT that waited for another transaction re-reads only the locked row, so a payment that
        transaction inserted with the confirmation would be missing from the join."""
        if self._on_postgres:
            locked = select(bookings.c.id).where(bookings.c.id == booking_id).with_for_update()
            if await self._conn.scalar(locked) is None:
                return None
        return await self._one(_with_payment().where(bookings.c.id == booking_id))

    async def save(self, booking: Booking) -> None:
        await self._upsert(bookings, row_values(booking, exclude=("payment",)))
        if booking.payment is not None:
            await self._upsert(payments, row_values(booking.payment))
        await self._write_messages(booking)

    async def list_for_user(self, user_id: str, after: Position | None, limit: int) -> list[Booking]:
        query = _with_payment().where(bookings.c.user_id == user_id)
        if after is not None:
            query = query.where(after_desc(bookings.c.created_at, bookings.c.id, after))
        return await self._all(query.order_by(bookings.c.created_at.desc(), bookings.c.id.desc()).limit(limit))

    async def count_open_holds(self, user_id: str, now: datetime) -> int:
        query = select(func.count()).where(
            bookings.c.user_id == user_id,
            bookings.c.status == BookingStatus.PENDING.value,
            bookings.c.expires_at > now,
        )
        return int((await self._conn.execute(query)).scalar_one())

    async def claim_expired(self, now: datetime, limit: int) -> list[Booking]:
        query = (
            _with_payment()
            .where(
                bookings.c.status == BookingStatus.PENDING.value,
                bookings.c.expires_at <= now,
                bookings.c.charge_key.is_(None),
            )
            .order_by(bookings.c.expires_at, bookings.c.id)
            .limit(limit)
        )
        # SKIP LOCKED: replicas reaping at once each take different rows instead of queueing on the same ones.
        claimed = await self._all(self._locked(query, skip_locked=True))
        # The caller releases seats in this order: by event, so that every reaper locks event rows in one
        # global order and two reapers with holds on the same events cannot deadlock.
        return sorted(claimed, key=lambda b: (b.event_id, b.id))

    async def unsettled_ids(self, started_before: datetime, limit: int) -> list[str]:
        query = (
            select(bookings.c.id)
            .where(
                or_(
                    and_(bookings.c.charge_key.is_not(None), bookings.c.charge_started_at <= started_before),
                    and_(bookings.c.cancel_requested_at.is_not(None), bookings.c.status.in_(_OPEN)),
                )
            )
            .order_by(bookings.c.created_at, bookings.c.id)
            .limit(limit)
        )
        return list((await self._conn.execute(query)).scalars())

    async def ids_for_event(self, event_id: str, statuses: tuple[str, ...]) -> list[str]:
        # In id order, so two transactions locking an event's bookings one by one take them in the same order.
        query = (
            select(bookings.c.id)
            .where(bookings.c.event_id == event_id, bookings.c.status.in_(statuses))
            .order_by(bookings.c.id)
        )
        return list((await self._conn.execute(query)).scalars())

    async def sales_for_event(self, event_id: str) -> tuple[int, int]:
        query = select(
            func.coalesce(func.sum(bookings.c.quantity), 0), func.coalesce(func.sum(bookings.c.amount_cents), 0)
        ).where(bookings.c.event_id == event_id, bookings.c.status == BookingStatus.CONFIRMED.value)
        seats, revenue = (await self._conn.execute(query)).one()
        return int(seats), int(revenue)

    def _locked(self, query: Select[Any], *, skip_locked: bool = False) -> Select[Any]:
        if not self._on_postgres:
            return query  # SQLite: BEGIN IMMEDIATE already excludes every other writer
        # Only the booking row: the payment is on the nullable side of the outer join.
        return query.with_for_update(of=bookings, skip_locked=skip_locked)

    async def _one(self, query: Select[Any]) -> Booking | None:
        row = (await self._conn.execute(query)).mappings().first()
        return _booking(row) if row else None

    async def _all(self, query: Select[Any]) -> list[Booking]:
        return [_booking(row) for row in (await self._conn.execute(query)).mappings()]


def _booking(row: Any) -> Booking:
    payment = None
    if row[_PAYMENT_PREFIX + "id"] is not None:
        fields = {c.name: row[_PAYMENT_PREFIX + c.name] for c in payments.c}
        fields["status"] = PaymentStatus(fields["status"])
        payment = Payment(**fields)
    fields = {c.name: row[c.name] for c in bookings.c}
    fields["status"] = BookingStatus(fields["status"])
    return Booking(**fields, payment=payment)
