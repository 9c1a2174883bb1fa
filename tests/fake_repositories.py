"""In-memory repositories over the fake unit of work: the documented semantics of each port."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain import errors
from domain.accounts import RefreshToken, Session, User
from domain.model import Booking, Event, EventStatus
from domain.pagination import Position
from domain.ports import (
    EventFilter,
    IdempotencyRecord,
    StoredKey,
)
from domain.ticket_types import for_new_event

if TYPE_CHECKING:
    from tests.fakes import FakeUnitOfWork


@dataclass
class KeyRow:
    """A stored idempotency key, as the table would hold it."""

    request_hash: str
    outcome: dict[str, Any] | None
    locked_until: datetime
    created_at: datetime


class _Repository:
    table = ""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    async def _tick(self) -> None:
        await asyncio.sleep(0)  # a round trip: lets concurrent use cases interleave here


class FakeUserRepository(_Repository):
    table = "users"

    async def add(self, user: User) -> None:
        await self._tick()
        # The unique index on the e-mail.
        if any(u.email.lower() == user.email.lower() for u in self._uow.rows(self.table)):
            raise errors.EmailTaken()
        self._uow.write(self.table, user.id, user)

    async def get(self, user_id: str) -> User | None:
        await self._tick()
        user: User | None = self._uow.read(self.table, user_id)
        return user

    async def get_by_email(self, email: str) -> User | None:
        await self._tick()
        return next((u for u in self._uow.rows(self.table) if u.email.lower() == email.lower()), None)


class FakeSessionRepository(_Repository):
    table = "sessions"

    async def add(self, session: Session) -> None:
        await self._tick()
        self._uow.write(self.table, session.id, session)

    async def get(self, session_id: str) -> Session | None:
        await self._tick()
        session: Session | None = self._uow.read(self.table, session_id)
        return session

    async def get_many(self, session_ids: Sequence[str]) -> dict[str, Session]:
        await self._tick()
        found = {i: self._uow.read(self.table, i) for i in session_ids}
        return {i: s for i, s in found.items() if s is not None}

    async def revoke(self, session_id: str, at: datetime) -> None:
        await self._tick()
        await self._uow.lock(self.table, session_id)
        session: Session | None = self._uow.read(self.table, session_id)
        if session is not None and session.revoked_at is None:
            session.revoked_at = at
            self._uow.write(self.table, session_id, session)


class FakeRefreshTokenRepository(_Repository):
    table = "refresh_tokens"

    async def add(self, token: RefreshToken) -> None:
        await self._tick()
        self._uow.write(self.table, token.token_hash, token)

    async def get_for_update(self, token_hash: str) -> RefreshToken | None:
        await self._tick()
        await self._uow.lock(self.table, token_hash)
        token: RefreshToken | None = self._uow.read(self.table, token_hash)
        return token

    async def mark_used(self, token_hash: str, at: datetime) -> None:
        await self._tick()
        token: RefreshToken | None = self._uow.read(self.table, token_hash)
        if token is not None:
            token.used_at = at
            self._uow.write(self.table, token_hash, token)


def _after_asc(at: datetime, row_id: str, position: Position | None) -> bool:
    return position is None or (at, row_id) > (position.at, position.id)


def _after_desc(at: datetime, row_id: str, position: Position | None) -> bool:
    return position is None or (at, row_id) < (position.at, position.id)


def _matches(event: Event, flt: EventFilter) -> bool:
    if flt.q:
        needle = flt.q.strip().lower()
        haystack = (event.title, event.description, event.venue, event.category)
        if not any(needle in text.lower() for text in haystack):
            return False
    if flt.category and event.category.lower() != flt.category.strip().lower():
        return False
    if flt.venue and event.venue.lower() != flt.venue.strip().lower():
        return False
    if flt.starts_after is not None and event.starts_at < flt.starts_after:
        return False
    return flt.starts_before is None or event.starts_at <= flt.starts_before


def _row(event: Event) -> Event:
    """The event as its row holds it: its ticket types are rows of their own (read with `with_ticket_types`)."""
    row = copy.copy(event)  # shares the messages, which writing takes
    row.ticket_types = []
    return row


class FakeEventRepository(_Repository):
    table = "events"

    async def add(self, event: Event) -> None:
        await self._tick()
        from tests.fake_tickets import write_types  # it builds on this module's _Repository

        event.ticket_types = for_new_event(event)  # with its types, General admission unless it has some
        write_types(self._uow, event)
        self._uow.write_entity(self.table, _row(event))

    async def get(self, event_id: str) -> Event | None:
        await self._tick()
        event: Event | None = self._uow.read(self.table, event_id)
        return event

    async def get_many(self, event_ids: Sequence[str]) -> list[Event]:
        await self._tick()
        found = (self._uow.read(self.table, i) for i in event_ids)
        return [e for e in found if e is not None]

    async def get_for_update(self, event_id: str) -> Event | None:
        await self._tick()
        await self._uow.lock(self.table, event_id)
        return await self.get(event_id)

    async def save(self, event: Event) -> None:
        await self._tick()
        self._uow.write_entity(self.table, _row(event))

    async def list_published(self, flt: EventFilter, after: Position | None, limit: int) -> list[Event]:
        await self._tick()
        rows = [
            e
            for e in self._uow.rows(self.table)
            if e.status is EventStatus.PUBLISHED and _matches(e, flt) and _after_asc(e.starts_at, e.id, after)
        ]
        return sorted(rows, key=lambda e: (e.starts_at, e.id))[:limit]

    async def list_by_organizer(self, organizer_id: str | None, after: Position | None, limit: int) -> list[Event]:
        await self._tick()
        rows = [
            e
            for e in self._uow.rows(self.table)
            if organizer_id in (None, e.organizer_id) and _after_desc(e.created_at, e.id, after)
        ]
        return sorted(rows, key=lambda e: (e.created_at, e.id), reverse=True)[:limit]

    async def release(self, booking: Booking) -> None:
        from tests.fake_tickets import give_back  # it imports this module

        await self._tick()
        await self._uow.lock(self.table, booking.event_id)
        event: Event | None = self._uow.read(self.table, booking.event_id)
        if event is None:
            return
        event.seats_available += booking.quantity
        # A CHECK constraint would refuse this: it catches seats released twice.
        assert event.seats_available <= event.capacity, f"released more seats than taken on {booking.event_id}"
        self._uow.write(self.table, booking.event_id, event)
        give_back(self._uow, booking)


class FakeIdempotencyRepository(_Repository):
    table = "idempotency"

    async def get(self, user_id: str, key: str) -> IdempotencyRecord | None:
        await self._tick()
        row: KeyRow | None = self._uow.read(self.table, (user_id, key))
        return IdempotencyRecord(row.request_hash, row.outcome, row.locked_until) if row else None

    async def remember(self, key: StoredKey) -> bool:
        await self._tick()
        if self._uow.read(self.table, (key.user_id, key.key)) is not None:
            return False
        self._uow.write(
            self.table, (key.user_id, key.key), KeyRow(key.request_hash, key.outcome, key.locked_until, key.created_at)
        )
        return True

    async def complete(self, user_id: str, key: str, outcome: dict[str, Any]) -> None:
        await self._tick()
        row: KeyRow | None = self._uow.read(self.table, (user_id, key))
        assert row is not None, "complete() of a key never claimed"
        self._uow.write(self.table, (user_id, key), replace(row, outcome=outcome))

    async def release(self, user_id: str, key: str) -> None:
        await self._tick()
        self._uow.delete(self.table, (user_id, key))

    async def purge(self, created_before: datetime) -> int:
        await self._tick()
        old = [k for k, row in self._uow.items(self.table).items() if row.created_at < created_before]
        for k in old:
            self._uow.delete(self.table, k)
        return len(old)


class FakeInboxRepository(_Repository):
    table = "inbox"

    async def claim(self, consumer: str, message_id: str, now: datetime) -> bool:
        await self._tick()
        await self._uow.lock(self.table, (consumer, message_id))  # a concurrent duplicate waits, then sees it
        if self._uow.read(self.table, (consumer, message_id)) is not None:
            return False
        self._uow.write(self.table, (consumer, message_id), now)
        return True
