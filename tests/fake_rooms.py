"""The waiting rooms of the in-memory store: what the admission loop of a LocalQueue looks after in the HTTP tests."""

from __future__ import annotations

from datetime import datetime

from domain.model import Event, EventStatus
from domain.waiting_room import Room
from tests.fakes import InMemoryStore


class FakeRooms:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def rooms_on_sale(self, now: datetime) -> list[Room]:
        events: list[Event] = list(self._store.tables["events"].values())
        return [
            Room(e.id, e.sale_starts_at, closed=e.seats_available == 0)
            for e in events
            if e.waiting_room and e.status is EventStatus.PUBLISHED and e.ends_at > now
        ]
