"""The in-memory booking repository: the documented semantics of the port, one-statement methods included."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from domain.accounts import User
from domain.model import Booking, BookingStatus, Event, EventStatus
from domain.pagination import Position
from domain.ports import ChargeClaim, ChargeEnd, ChargeStart, Confirmation, IdempotencyRecord, SaleSnapshot, StoredKey
from tests.fake_repositories import KeyRow, _after_desc, _Repository
from tests.fake_tickets import issue, promos_of, take_stock, types_of


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
        self, event_id: str, keys: Sequence[tuple[str, str]], users: Sequence[str], now: datetime, codes: Sequence[str]
    ) -> SaleSnapshot:
        await self._tick()
        event: Event | None = self._uow.read("events", event_id)
        priors = {}
        for user_id, key in keys:
            row: KeyRow | None = self._uow.read("idempotency", (user_id, key))
            if row is not None:
                priors[(user_id, key)] = IdempotencyRecord(row.request_hash, row.outcome, row.locked_until)
        buyers = set(users)
        pending = [
            b
            for b in self._uow.rows(self.table)
            if b.user_id in buyers and b.status is BookingStatus.PENDING and b.expires_at > now
        ]
        open_holds = Counter(b.user_id for b in pending)
        held = {u: (sum(b.quantity for b in pending if b.user_id == u), 0) for u in open_holds}
        for b in pending:
            if b.event_id == event_id:
                held[b.user_id] = (held[b.user_id][0], held[b.user_id][1] + b.quantity)
        owned: Counter[str] = Counter()
        if event is not None and event.max_per_buyer is not None:
            owned = self._owned(event_id, buyers, now)
        if event is not None:
            event.ticket_types = types_of(self._uow, event_id)
        promos = promos_of(self._uow, event_id, codes)
        return SaleSnapshot(event, priors, dict(open_holds), held, dict(owned), promos)

    def _owned(self, event_id: str, users: set[str], now: datetime) -> Counter[str]:
        owned: Counter[str] = Counter()
        for b in self._uow.rows(self.table):
            live = b.status is BookingStatus.CONFIRMED or (b.status is BookingStatus.PENDING and b.expires_at > now)
            if b.event_id == event_id and b.user_id in users and live:
                owned[b.user_id] += b.quantity
        return owned

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
                    or (current.sale_starts_at is not None and now < current.sale_starts_at)
                    or current.max_per_buyer != event.max_per_buyer
                ):
                    return False
                if not take_stock(self._uow, event.id, holds, now):
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

    async def _lock_all(self, booking_ids: Sequence[str], keys: Sequence[tuple[str, str]] = ()) -> None:
        """Row locks for one statement, in one order (the real statement's UPDATE takes them as it goes)."""
        await self._tick()
        for booking_id in sorted(set(booking_ids)):
            await self._uow.lock(self.table, booking_id)
        for key in sorted(set(keys)):
            await self._uow.lock("idempotency", key)

    async def start_charges(self, claims: Sequence[ChargeClaim]) -> list[ChargeStart]:
        await self._lock_all([c.booking_id for c in claims], [(c.user_id, c.key.key) for c in claims])
        try:
            return [self._start(c) for c in claims]
        finally:
            self._uow.end_statement()

    def _start(self, c: ChargeClaim) -> ChargeStart:
        now = c.key.created_at
        booking: Booking | None = self._uow.read(self.table, c.booking_id)
        row: KeyRow | None = self._uow.read("idempotency", (c.user_id, c.key.key))
        prior = IdempotencyRecord(row.request_hash, row.outcome, row.locked_until) if row else None
        payable = (
            booking is not None
            and booking.user_id == c.user_id
            and booking.status is BookingStatus.PENDING
            and booking.cancel_requested_at is None
            and booking.charge_key in (None, c.charge_key)
            and (booking.expires_at > now or booking.charge_key is not None)
        )
        lapsed = row is not None and row.outcome is None and row.locked_until <= now
        claimed = payable and (row is None or (lapsed and row.request_hash == c.key.request_hash))
        if claimed:
            assert booking is not None
            created = row.created_at if row is not None else now
            key_row = KeyRow(c.key.request_hash, None, c.key.locked_until, created)
            self._uow.write("idempotency", (c.user_id, c.key.key), key_row)
            booking.charge_key, booking.charge_started_at = c.charge_key, now
            self._uow.write(self.table, c.booking_id, booking)
        return ChargeStart(claimed, claimed, booking, prior)

    async def confirm_charges(self, confirmations: Sequence[Confirmation]) -> list[bool]:
        await self._lock_all([c.booking.id for c in confirmations])
        try:
            return [self._confirm(c) for c in confirmations]
        finally:
            self._uow.end_statement()

    def _confirm(self, c: Confirmation) -> bool:
        current: Booking | None = self._uow.read(self.table, c.booking.id)
        if current is None or current.charge_key != c.charge_key or current.status is not BookingStatus.PENDING:
            c.booking.take_messages()
            return False
        self._uow.write_entity(self.table, c.booking)
        assert c.booking.confirmed_at is not None
        issue(self._uow, c.tickets, c.booking.confirmed_at)  # its tickets, in the same statement
        row: KeyRow | None = self._uow.read("idempotency", c.key)
        if row is not None:
            self._uow.write("idempotency", c.key, replace(row, outcome=c.outcome))
        return True

    async def end_charges(self, endings: Sequence[ChargeEnd]) -> None:
        await self._lock_all([e.booking_id for e in endings])
        try:
            for e in endings:
                current: Booking | None = self._uow.read(self.table, e.booking_id)
                if current is not None and current.charge_key == e.charge_key:
                    current.clear_charge()
                    self._uow.write(self.table, e.booking_id, current)
                row: KeyRow | None = self._uow.read("idempotency", e.key)
                if e.outcome is None:
                    self._uow.delete("idempotency", e.key)
                elif row is not None:
                    self._uow.write("idempotency", e.key, replace(row, outcome=e.outcome))
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

    async def with_buyer_and_event(self, booking_id: str) -> tuple[Booking, User, Event] | None:
        await self._tick()
        booking: Booking | None = self._uow.read(self.table, booking_id)
        if booking is None:
            return None
        user: User | None = self._uow.read("users", booking.user_id)
        event: Event | None = self._uow.read("events", booking.event_id)
        return (booking, user, event) if user is not None and event is not None else None

    async def sales_for_event(self, event_id: str) -> tuple[int, int]:
        await self._tick()
        sold = [b for b in self._uow.rows(self.table) if b.event_id == event_id and b.status is BookingStatus.CONFIRMED]
        return sum(b.quantity for b in sold), sum(b.amount_cents for b in sold)
