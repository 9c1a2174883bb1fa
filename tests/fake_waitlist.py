"""The in-memory waiting-list repository: the documented semantics of the port."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from domain.model import Booking, BookingStatus, Event
from domain.waitlist import WaitlistEntry, WaitlistStatus
from tests.fake_repositories import _Repository
from tests.fake_tickets import move_taken


class FakeWaitlistRepository(_Repository):
    table = "waitlist"

    async def lock_event(self, event_id: str) -> Event | None:
        await self._tick()
        await self._uow.lock("events", event_id)  # exclusive here: joins take turns, which is only slower
        event: Event | None = self._uow.read("events", event_id)
        return event

    async def get(self, event_id: str, user_id: str) -> WaitlistEntry | None:
        await self._tick()
        return self._of(event_id, user_id)

    async def get_for_update(self, event_id: str, user_id: str) -> WaitlistEntry | None:
        await self._tick()
        entry = self._of(event_id, user_id)
        if entry is None:
            return None
        await self._uow.lock(self.table, entry.id)
        return self._of(event_id, user_id)  # as the transaction that held the lock left it

    async def add(self, entry: WaitlistEntry) -> bool:
        await self._tick()
        if self._of(entry.event_id, entry.user_id) is not None:  # the unique (event_id, user_id)
            return False
        self._write(entry)
        return True

    async def save(self, entry: WaitlistEntry) -> None:
        await self._tick()
        self._write(entry)

    async def remove(self, entry_id: str) -> None:
        await self._tick()
        self._uow.delete(self.table, entry_id)

    async def waiting_for_update(self, event_id: str, *, max_quantity: int, limit: int) -> list[WaitlistEntry]:
        await self._tick()
        found = sorted(
            (
                e
                for e in self._uow.rows(self.table)
                if e.event_id == event_id and e.status is WaitlistStatus.WAITING and e.quantity <= max_quantity
            ),
            key=lambda e: (e.joined_at, e.id),
        )[:limit]
        locked: list[WaitlistEntry] = []
        for entry in found:
            await self._uow.lock(self.table, entry.id)
            current: WaitlistEntry | None = self._uow.read(self.table, entry.id)
            if current is not None and current.status is WaitlistStatus.WAITING:  # a leaver's row is skipped
                locked.append(current)
        return locked

    async def position(self, entry: WaitlistEntry) -> int:
        await self._tick()
        return 1 + sum(
            1
            for e in self._uow.rows(self.table)
            if e.event_id == entry.event_id
            and e.status is WaitlistStatus.WAITING
            and (e.joined_at, e.id) < (entry.joined_at, entry.id)
        )

    async def seats_owned(self, event_id: str, user_ids: Sequence[str], now: datetime) -> dict[str, int]:
        await self._tick()
        users = set(user_ids)
        owned: Counter[str] = Counter()
        for b in self._uow.rows("bookings"):
            assert isinstance(b, Booking)
            live = b.status is BookingStatus.CONFIRMED or (b.status is BookingStatus.PENDING and b.expires_at > now)
            if b.event_id == event_id and b.user_id in users and live:
                owned[b.user_id] += b.quantity
        return dict(owned)

    async def take_seats(self, event_id: str, quantity: int, by_type: dict[str, int]) -> None:
        await self._tick()
        await self._uow.lock("events", event_id)
        event: Event | None = self._uow.read("events", event_id)
        assert event is not None
        event.seats_available -= quantity
        assert event.seats_available >= 0, f"took more seats than are free on {event_id}"  # the CHECK constraint
        self._uow.write("events", event_id, event)
        move_taken(self._uow, by_type)

    def _of(self, event_id: str, user_id: str) -> WaitlistEntry | None:
        return next((e for e in self._uow.rows(self.table) if (e.event_id, e.user_id) == (event_id, user_id)), None)

    def _write(self, entry: WaitlistEntry) -> None:
        for message in entry.take_messages():  # the outbox, in the same transaction
            self._uow.write("outbox", message.id, message)
        self._uow.write(self.table, entry.id, entry)
