"""Bookings and their payments, loaded together with one LEFT JOIN; the hold's and the payment's statements."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, func, insert, or_, select

from adapters.db import charges
from adapters.db import holds as hold_statements
from adapters.db.base import Repository, after_desc, row_values
from adapters.db.rows import EVENT_PREFIX, USER_PREFIX, booking_from_row, event_from_row, user_from_row
from adapters.db.rows import with_payment as _with_payment
from adapters.db.tables import bookings, events, payments, users
from domain.accounts import User
from domain.model import Booking, BookingStatus, Event
from domain.pagination import Position
from domain.ports import ChargeClaim, ChargeEnd, ChargeStart, Confirmation, SaleSnapshot, StoredKey

if TYPE_CHECKING:
    from adapters.db.uow import Link, Touched

_OPEN = (BookingStatus.PENDING.value, BookingStatus.CONFIRMED.value)


class SqlBookingRepository(Repository):
    def __init__(self, conn: Link, touched: Touched) -> None:
        super().__init__(conn)
        self.touched = touched

    async def sale_snapshot(
        self,
        event_id: str,
        keys: Sequence[tuple[str, str]],
        users: Sequence[str],
        now: datetime,
        codes: Sequence[str] = (),
    ) -> SaleSnapshot:
        return await hold_statements.sale_snapshot(self._conn, event_id, keys, users, now, codes)

    async def place_holds(
        self, event: Event | None, seats: int, holds: Sequence[Booking], keys: Sequence[StoredKey], now: datetime
    ) -> bool:
        placed = await hold_statements.place_holds(self._conn, event, seats, holds, keys, now)
        if placed and seats and event is not None:
            self.touched.events.add(event.id)
        return placed

    async def start_charges(self, claims: Sequence[ChargeClaim]) -> list[ChargeStart]:
        return await charges.start_charges(self._conn, claims)

    async def confirm_charges(self, confirmations: Sequence[Confirmation]) -> list[bool]:
        return await charges.confirm_charges(self._conn, confirmations)

    async def end_charges(self, endings: Sequence[ChargeEnd]) -> None:
        await charges.end_charges(self._conn, endings)

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

    async def with_buyer_and_event(self, booking_id: str) -> tuple[Booking, User, Event] | None:
        user_columns = [c.label(USER_PREFIX + c.name) for c in users.c]
        event_columns = [c.label(EVENT_PREFIX + c.name) for c in events.c]
        query = (
            _with_payment()
            .add_columns(*user_columns, *event_columns)
            .join(users, users.c.id == bookings.c.user_id)
            .join(events, events.c.id == bookings.c.event_id)
            .where(bookings.c.id == booking_id)
        )
        row = (await self._conn.execute(query)).mappings().first()
        if row is None:
            return None
        return booking_from_row(row), user_from_row(row, USER_PREFIX), event_from_row(row, EVENT_PREFIX)

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
        return booking_from_row(row) if row else None

    async def _all(self, query: Select[Any]) -> list[Booking]:
        return [booking_from_row(row) for row in (await self._conn.execute(query)).mappings()]
