"""In-memory fakes of every port in domain/ports.py: real behaviour, no mocks, no I/O.

The unit of work behaves like a read-committed transaction on a database with row locks: reads see
committed rows plus the transaction's own staged writes, writes stay staged until `commit`, leaving the
block without committing discards them, and `*_for_update` and `release` hold a row lock until the
transaction ends. An `autocommit` unit of work writes through at once, and the one-statement methods
(`place_holds`, `start_charges`, ...) take their row locks for that one call only, as a statement would.
Every repository call yields to the event loop once, so `asyncio.gather` interleaves concurrent use cases
the way concurrent requests would.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from types import TracebackType
from typing import Any

from domain.model import Booking, Event
from domain.ports import (
    BookingRepository,
    EventRepository,
    IdempotencyRepository,
    InboxRepository,
    RefreshTokenRepository,
    SessionRepository,
    UserRepository,
)
from domain.ticket_ports import PromoCodeRepository, TicketNameRepository
from domain.tickets import TicketRepository, TicketTypeRepository
from domain.waitlist import WaitlistRepository
from tests.fake_authoring import FakePromoCodeRepository, FakeTicketNameRepository
from tests.fake_bookings import FakeBookingRepository
from tests.fake_outside import (
    DECLINED_CARD,
    GOOD_CARD,
    NO_FUNDS_CARD,
    SLOW_CARD,
    FakeClock,
    FakeGateway,
    FakeHasher,
    FakeRevocations,
    FakeTokens,
    Overload,
    Succeed,
    TimeOutBeforeArriving,
)
from tests.fake_repositories import (
    FakeEventRepository,
    FakeIdempotencyRepository,
    FakeInboxRepository,
    FakeRefreshTokenRepository,
    FakeSessionRepository,
    FakeUserRepository,
)
from tests.fake_tickets import FakeTicketRepository, FakeTicketTypeRepository
from tests.fake_waitlist import FakeWaitlistRepository

_TABLES = (
    "users", "sessions", "refresh_tokens", "events", "bookings", "idempotency", "outbox", "inbox", "waitlist",
    "ticket_types", "tickets", "event_staff", "promo_codes",
)  # fmt: skip
_DELETED = object()


class InMemoryStore:
    """The committed state every unit of work shares, and the row locks."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Any, Any]] = {name: {} for name in _TABLES}
        self.commits = 0
        self._locks: dict[tuple[str, Any], asyncio.Lock] = {}

    def lock_for(self, table: str, key: Any) -> asyncio.Lock:
        return self._locks.setdefault((table, key), asyncio.Lock())

    def get(self, table: str, key: Any) -> Any:
        """A copy of a committed row, for assertions."""
        return copy.deepcopy(self.tables[table].get(key))


class FakeUnitOfWork:
    def __init__(self, store: InMemoryStore, *, autocommit: bool = False) -> None:
        self.store = store
        self.autocommit = autocommit
        self._staged: dict[str, dict[Any, Any]] = {}
        self._held: dict[tuple[str, Any], asyncio.Lock] = {}
        self._active = False
        self.users: UserRepository = FakeUserRepository(self)
        self.sessions: SessionRepository = FakeSessionRepository(self)
        self.refresh_tokens: RefreshTokenRepository = FakeRefreshTokenRepository(self)
        self.events: EventRepository = FakeEventRepository(self)
        self.bookings: BookingRepository = FakeBookingRepository(self)
        self.idempotency: IdempotencyRepository = FakeIdempotencyRepository(self)
        self.inbox: InboxRepository = FakeInboxRepository(self)
        self.waitlist: WaitlistRepository = FakeWaitlistRepository(self)
        self.ticket_types: TicketTypeRepository = FakeTicketTypeRepository(self)
        self.tickets: TicketRepository = FakeTicketRepository(self)
        self.promo_codes: PromoCodeRepository = FakePromoCodeRepository(self)
        self.ticket_names: TicketNameRepository = FakeTicketNameRepository(self)

    async def __aenter__(self) -> FakeUnitOfWork:
        assert not self._active, "a unit of work is entered once"
        self._active = True
        self._staged = {name: {} for name in _TABLES}
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._end_transaction()
        self._active = False

    async def commit(self) -> None:
        assert self._active, "commit outside the unit of work"
        for table, rows in self._staged.items():
            for key, row in rows.items():
                if row is _DELETED:
                    self.store.tables[table].pop(key, None)
                else:
                    self.store.tables[table][key] = copy.deepcopy(row)
        self.store.commits += 1
        self._end_transaction()

    def _end_transaction(self) -> None:
        self._staged = {name: {} for name in _TABLES}
        for lock in self._held.values():
            lock.release()
        self._held.clear()

    # What the repositories build on.
    def read(self, table: str, key: Any) -> Any:
        assert self._active, "read outside the unit of work"
        staged = self._staged[table]
        row = staged[key] if key in staged else self.store.tables[table].get(key)
        return None if row is None or row is _DELETED else copy.deepcopy(row)

    def rows(self, table: str) -> list[Any]:
        return list(self.items(table).values())

    def items(self, table: str) -> dict[Any, Any]:
        assert self._active, "read outside the unit of work"
        merged = {**self.store.tables[table], **self._staged[table]}
        return {key: copy.deepcopy(row) for key, row in merged.items() if row is not _DELETED}

    def write(self, table: str, key: Any, row: Any) -> None:
        assert self._active, "write outside the unit of work"
        if self.autocommit:
            self.store.tables[table][key] = copy.deepcopy(row)
        else:
            self._staged[table][key] = copy.deepcopy(row)

    def write_entity(self, table: str, entity: Event | Booking) -> None:
        """Write the entity and, in the same transaction, its new messages to the outbox."""
        for message in entity.take_messages():
            self.write("outbox", message.id, message)
        self.write(table, entity.id, entity)

    def delete(self, table: str, key: Any) -> None:
        assert self._active, "write outside the unit of work"
        if self.autocommit:
            self.store.tables[table].pop(key, None)
        else:
            self._staged[table][key] = _DELETED

    def end_statement(self) -> None:
        """The end of a one-statement method: in autocommit its row locks end with it."""
        if self.autocommit:
            self._end_transaction()

    async def lock(self, table: str, key: Any) -> None:
        """Wait for the row lock, as SELECT ... FOR UPDATE does."""
        if (table, key) not in self._held:
            lock = self.store.lock_for(table, key)
            await lock.acquire()
            self._held[(table, key)] = lock

    async def try_lock(self, table: str, key: Any) -> bool:
        """Take the row lock unless another transaction holds it, as FOR UPDATE SKIP LOCKED does."""
        if (table, key) in self._held:
            return True
        lock = self.store.lock_for(table, key)
        if lock.locked():
            return False
        await lock.acquire()  # free, so this does not wait
        self._held[(table, key)] = lock
        return True


def uow_factory(store: InMemoryStore) -> Callable[..., FakeUnitOfWork]:
    def make(*, autocommit: bool = False) -> FakeUnitOfWork:
        return FakeUnitOfWork(store, autocommit=autocommit)

    return make


# What tests import from here, wherever it is defined.
__all__ = [
    "DECLINED_CARD",
    "GOOD_CARD",
    "NO_FUNDS_CARD",
    "SLOW_CARD",
    "FakeClock",
    "FakeGateway",
    "FakeHasher",
    "FakeRevocations",
    "FakeTokens",
    "FakeUnitOfWork",
    "InMemoryStore",
    "Overload",
    "Succeed",
    "TimeOutBeforeArriving",
    "uow_factory",
]
