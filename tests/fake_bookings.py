"""The in-memory booking repository: the documented semantics of the port, one-statement methods included."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from domain.model import Booking, BookingStatus, Event, EventStatus
from domain.pagination import Position
from domain.ports import ChargeStart, IdempotencyRecord, SaleSnapshot, StoredKey
from tests.fake_repositories import KeyRow, _after_desc, _Repository


class FakeBookingRepository(_Repository):
    table = "bookings"

    async def add(self, booking: Booking) -> None:
        await self._tick()
        self._uow.write_entity(self.table, booking)

    async def get(self, booking_id: str) -> Booking | None:
        await self._tick()
        booking: Booking | None = self._uow.read(self.table, booking_id)
        return booking

    async def get_for_update(self, booking_id: str) -> Booking | None:
        await self._tick()
        await self._uow.lock(self.table, booking_id)
        return await self.get(booking_id)

    async def save(self, booking: Booking) -> None:
        await self._tick()
        self._uow.write_entity(self.table, booking)

    async def list_for_user(self, user_id: str, after: Position | None, limit: int) -> list[Booking]:
        await self._tick()
        rows = [
            b for b in self._uow.rows(self.table) if b.user_id == user_id and _after_desc(b.created_at, b.id, after)
        ]
        return sorted(rows, key=lambda b: (b.created_at, b.id), reverse=True)[:limit]

    async def sale_snapshot(
        self, event_id: str, keys: Sequence[tuple[str, str]], users: Sequence[str], now: datetime
    ) -> SaleSnapshot:
        await self._tick()
        event: Event | None = self._uow.read("events", event_id)
        priors = {}
        for user_id, key in keys:
            row: KeyRow | None = self._uow.read("idempotency", (user_id, key))
            if row is not None:
                priors[(user_id, key)] = IdempotencyRecord(row.request_hash, row.outcome, row.locked_until)
        buyers = set(users)
        open_holds = Counter(
            b.user_id
            for b in self._uow.rows(self.table)
            if b.user_id in buyers and b.status is BookingStatus.PENDING and b.expires_at > now
        )
        return SaleSnapshot(event, priors, dict(open_holds))

    async def place_holds(
        self, event: Event | None, seats: int, holds: Sequence[Booking], keys: Sequence[StoredKey], now: datetime
    ) -> bool:
        await self._tick()
        if seats:
            assert event is not None
            await self._uow.lock("events", event.id)
        try:
            if any(self._uow.read("idempotency", (k.user_id, k.key)) is not None for k in keys):
                return False  # a key stored meanwhile: the statement fails, nothing written
            if seats:
                assert event is not None
                current: Event | None = self._uow.read("events", event.id)
                if (
                    current is None
                    or current.status is not EventStatus.PUBLISHED
                    or current.ends_at <= now
                    or current.seats_available < seats
                    or (current.price_cents, current.currency) != (event.price_cents, event.currency)
                ):
                    return False
                current.seats_available -= seats
                self._uow.write("events", current.id, current)
                for hold in holds:
                    self._uow.write_entity(self.table, hold)
            for k in keys:
                self._uow.write(
                    "idempotency", (k.user_id, k.key), KeyRow(k.request_hash, k.outcome, k.locked_until, k.created_at)
                )
            return True
        finally:
            self._uow.end_statement()

    async def start_charge(self, booking_id: str, user_id: str, charge_key: str, claim: StoredKey) -> ChargeStart:
        await self._tick()
        await self._uow.lock(self.table, booking_id)
        await self._uow.lock("idempotency", (user_id, claim.key))
        try:
            now = claim.created_at
            booking: Booking | None = self._uow.read(self.table, booking_id)
            row: KeyRow | None = self._uow.read("idempotency", (user_id, claim.key))
            prior = IdempotencyRecord(row.request_hash, row.outcome, row.locked_until) if row else None
            payable = (
                booking is not None
                and booking.user_id == user_id
                and booking.status is BookingStatus.PENDING
                and booking.cancel_requested_at is None
                and booking.charge_key in (None, charge_key)
                and (booking.expires_at > now or booking.charge_key is not None)
            )
            lapsed = row is not None and row.outcome is None and row.locked_until <= now
            claimed = payable and (row is None or (lapsed and row.request_hash == claim.request_hash))
            if claimed:
                assert booking is not None
                created = row.created_at if row is not None else now
                self._uow.write(
                    "idempotency", (user_id, claim.key), KeyRow(claim.request_hash, None, claim.locked_until, created)
                )
                booking.charge_key, booking.charge_started_at = charge_key, now
                self._uow.write(self.table, booking_id, booking)
            return ChargeStart(claimed, claimed, booking, prior)
        finally:
            self._uow.end_statement()

    async def confirm_charge(
        self, booking: Booking, charge_key: str, key: tuple[str, str], outcome: dict[str, Any]
    ) -> bool:
        await self._tick()
        await self._uow.lock(self.table, booking.id)
        try:
            current: Booking | None = self._uow.read(self.table, booking.id)
            if current is None or current.charge_key != charge_key or current.status is not BookingStatus.PENDING:
                booking.take_messages()
                return False
            self._uow.write_entity(self.table, booking)
            row: KeyRow | None = self._uow.read("idempotency", key)
            if row is not None:
                self._uow.write("idempotency", key, replace(row, outcome=outcome))
            return True
        finally:
            self._uow.end_statement()

    async def end_charge(
        self, booking_id: str, charge_key: str, key: tuple[str, str], outcome: dict[str, Any] | None
    ) -> None:
        await self._tick()
        await self._uow.lock(self.table, booking_id)
        try:
            current: Booking | None = self._uow.read(self.table, booking_id)
            if current is not None and current.charge_key == charge_key:
                current.clear_charge()
                self._uow.write(self.table, booking_id, current)
            row: KeyRow | None = self._uow.read("idempotency", key)
            if outcome is None:
                self._uow.delete("idempotency", key)
            elif row is not None:
                self._uow.write("idempotency", key, replace(row, outcome=outcome))
        finally:
            self._uow.end_statement()

    async def claim_expired(self, now: datetime, limit: int) -> list[Booking]:
        await self._tick()
        due = sorted(
            (
                b
                for b in self._uow.rows(self.table)
                if b.status is BookingStatus.PENDING and b.expires_at <= now and b.charge_key is None
            ),
            key=lambda b: (b.expires_at, b.id),
        )
        claimed: list[Booking] = []
        for booking in due:
            if len(claimed) == limit:
                break
            if await self._uow.try_lock(self.table, booking.id):
                claimed.append(booking)
        return claimed

    async def unsettled_ids(self, started_before: datetime, limit: int) -> list[str]:
        await self._tick()
        rows = [
            b
            for b in self._uow.rows(self.table)
            if (b.charge_key is not None and b.charge_started_at is not None and b.charge_started_at < started_before)
            or b.cancel_requested_at is not None
        ]
        return [b.id for b in sorted(rows, key=lambda b: (b.created_at, b.id))][:limit]

    async def ids_for_event(self, event_id: str, statuses: tuple[str, ...]) -> list[str]:
        await self._tick()
        return sorted(b.id for b in self._uow.rows(self.table) if b.event_id == event_id and b.status in statuses)

    async def sales_for_event(self, event_id: str) -> tuple[int, int]:
        await self._tick()
        sold = [b for b in self._uow.rows(self.table) if b.event_id == event_id and b.status is BookingStatus.CONFIRMED]
        return sum(b.quantity for b in sold), sum(b.amount_cents for b in sold)
