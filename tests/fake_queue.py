"""An in-memory QueueStore for the unit tests: the same semantics as Redis and the database, on the caller's clock.

Each call runs without awaiting, so on one event loop it is as atomic as a Lua script or a transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.queue_store import LATE_BASE, AdmitResult, Admitted, QueueStatus, RoomState, StoredEntry, next_rate


@dataclass
class _Entry:
    user_id: str
    key: tuple[int, str]
    joined_at: datetime
    until: datetime | None = None  # set once admitted
    expired: bool = False  # counted by a tick

    def status(self, now: datetime) -> QueueStatus:
        if self.until is None:
            return QueueStatus.WAITING
        return QueueStatus.ADMITTED if now < self.until and not self.expired else QueueStatus.EXPIRED


@dataclass
class _Room:
    bound: int
    bound_at: datetime
    seq: int = 0
    rate: float = 0.0
    rate_at: datetime | None = None
    entries: dict[str, _Entry] = field(default_factory=dict)

    def ordered(self) -> list[_Entry]:
        return sorted(self.entries.values(), key=lambda e: e.key)

    def waiting(self) -> list[_Entry]:
        return [e for e in self.ordered() if e.until is None]


class FakeQueueStore:
    def __init__(self) -> None:
        self.rooms: dict[str, _Room] = {}
        self.admissions: list[str] = []  # every admission, in the order made (across events)
        self.read_batches: list[int] = []  # the number of users of each read_many, in order

    def _room(self, event_id: str, now: datetime, initial_bound: int) -> _Room:
        return self.rooms.setdefault(event_id, _Room(bound=initial_bound, bound_at=now))

    async def join(
        self, event_id: str, user_id: str, *, draw: int, opens_at: datetime | None, now: datetime, initial_bound: int
    ) -> tuple[StoredEntry, bool]:
        room = self._room(event_id, now, initial_bound)
        created = user_id not in room.entries
        if created:
            if opens_at is not None and now < opens_at:
                key = draw
            else:
                room.seq += 1
                key = LATE_BASE + room.seq
            room.entries[user_id] = _Entry(user_id, (key, user_id), now)
        entry = self._read(event_id, user_id, now)
        assert entry is not None
        return entry, created

    async def read_many(self, event_id: str, user_ids: list[str], *, now: datetime) -> list[StoredEntry | None]:
        self.read_batches.append(len(user_ids))
        return [self._read(event_id, user_id, now) for user_id in user_ids]

    def _read(self, event_id: str, user_id: str, now: datetime) -> StoredEntry | None:
        room = self.rooms.get(event_id)
        entry = room.entries.get(user_id) if room else None
        if room is None or entry is None:
            return None
        waiting = room.waiting()
        return StoredEntry(
            user_id=user_id,
            status=entry.status(now),
            rank=1 + sum(e.key < entry.key for e in room.entries.values()),
            ahead=sum(e.key < entry.key for e in waiting),
            waiting=len(waiting),
            rate=room.rate,
            joined_at=entry.joined_at,
            admitted_until=entry.until,
            now=now,
        )

    async def leave(self, event_id: str, user_id: str) -> None:
        room = self.rooms.get(event_id)
        if room is not None:
            room.entries.pop(user_id, None)

    async def expire(self, event_id: str, *, now: datetime, initial_bound: int) -> RoomState:
        room = self._room(event_id, now, initial_bound)
        ran_out = [e for e in room.entries.values() if e.until is not None and not e.expired and e.until <= now]
        for entry in ran_out:
            entry.expired = True
        return RoomState(
            bound=room.bound,
            bound_at=room.bound_at,
            active=self._active(room, now),
            waiting=len(room.waiting()),
            expired=len(ran_out),
            now=now,
        )

    async def admit(
        self, event_id: str, *, now: datetime, ttl: timedelta, new_bound: int | None, seen_bound_at: datetime
    ) -> AdmitResult:
        room = self.rooms.get(event_id)
        if room is None:
            return AdmitResult(admitted=[], bound=0, active=0, waiting=0, now=now)
        if new_bound is not None and room.bound_at == seen_bound_at:
            room.bound, room.bound_at = new_bound, now
        waiting = room.waiting()
        free = max(0, room.bound - self._active(room, now))
        until = now + ttl
        admitted = []
        for entry in waiting[:free]:
            entry.until = until
            admitted.append(Admitted(entry.user_id, entry.joined_at, until))
            self.admissions.append(entry.user_id)
        if waiting:
            room.rate, room.rate_at = next_rate(room.rate, room.rate_at, len(admitted), now)
        return AdmitResult(
            admitted=admitted,
            bound=room.bound,
            active=self._active(room, now),
            waiting=len(waiting) - len(admitted),
            now=now,
        )

    @staticmethod
    def _active(room: _Room, now: datetime) -> int:
        return sum(e.status(now) is QueueStatus.ADMITTED for e in room.entries.values())
