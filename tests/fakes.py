"""In-memory fakes of every port in domain/ports.py: real behaviour, no mocks, no I/O.

The unit of work behaves like a read-committed transaction on a database with row locks: reads see
committed rows plus the transaction's own staged writes, writes stay staged until `commit`, leaving the
block without committing discards them, and `*_for_update`, `try_reserve`, `release` and `claim` hold a
row lock until the transaction ends. Every repository call yields to the event loop once, so
`asyncio.gather` interleaves concurrent use cases the way concurrent requests would.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any

from domain import errors
from domain.model import (
    Booking,
    BookingStatus,
    Card,
    ChargeResult,
    Event,
    EventStatus,
    Principal,
    RefreshToken,
    Session,
    User,
)
from domain.pagination import Position
from domain.ports import (
    BookingRepository,
    EventFilter,
    EventRepository,
    IdempotencyRecord,
    IdempotencyRepository,
    InboxRepository,
    RefreshTokenRepository,
    SessionRepository,
    UserRepository,
)

_TABLES = ("users", "sessions", "refresh_tokens", "events", "bookings", "idempotency", "outbox", "inbox")
_DELETED = object()


@dataclass
class KeyRow:
    """A stored idempotency key, as the table would hold it."""

    request_hash: str
    outcome: dict[str, Any] | None
    locked_until: datetime
    created_at: datetime


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
    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
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
        self._staged[table][key] = copy.deepcopy(row)

    def write_entity(self, table: str, entity: Event | Booking) -> None:
        """Write the entity and, in the same transaction, its new messages to the outbox."""
        for message in entity.take_messages():
            self.write("outbox", message.id, message)
        self.write(table, entity.id, entity)

    def delete(self, table: str, key: Any) -> None:
        assert self._active, "write outside the unit of work"
        self._staged[table][key] = _DELETED

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


def uow_factory(store: InMemoryStore) -> Callable[[], FakeUnitOfWork]:
    return lambda: FakeUnitOfWork(store)


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


class FakeEventRepository(_Repository):
    table = "events"

    async def add(self, event: Event) -> None:
        await self._tick()
        self._uow.write_entity(self.table, event)

    async def get(self, event_id: str) -> Event | None:
        await self._tick()
        event: Event | None = self._uow.read(self.table, event_id)
        return event

    async def get_for_update(self, event_id: str) -> Event | None:
        await self._tick()
        await self._uow.lock(self.table, event_id)
        return await self.get(event_id)

    async def save(self, event: Event) -> None:
        await self._tick()
        self._uow.write_entity(self.table, event)

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

    async def try_reserve(self, event_id: str, quantity: int) -> int | None:
        await self._tick()
        await self._uow.lock(self.table, event_id)
        event: Event | None = self._uow.read(self.table, event_id)
        if event is None or event.seats_available < quantity:
            return None
        event.seats_available -= quantity
        self._uow.write(self.table, event_id, event)
        return event.seats_available

    async def release(self, event_id: str, quantity: int) -> None:
        await self._tick()
        await self._uow.lock(self.table, event_id)
        event: Event | None = self._uow.read(self.table, event_id)
        if event is None:
            return
        event.seats_available += quantity
        # A CHECK constraint would refuse this: it catches seats released twice.
        assert event.seats_available <= event.capacity, f"released more seats than taken on {event_id}"
        self._uow.write(self.table, event_id, event)


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

    async def count_open_holds(self, user_id: str, now: datetime) -> int:
        await self._tick()
        return sum(
            1
            for b in self._uow.rows(self.table)
            if b.user_id == user_id and b.status is BookingStatus.PENDING and b.expires_at > now
        )

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


class FakeIdempotencyRepository(_Repository):
    table = "idempotency"

    async def claim(
        self, user_id: str, key: str, request_hash: str, now: datetime, locked_until: datetime
    ) -> IdempotencyRecord | None:
        await self._tick()
        await self._uow.lock(self.table, (user_id, key))
        row: KeyRow | None = self._uow.read(self.table, (user_id, key))
        if row is None or (row.outcome is None and row.locked_until <= now):
            # A free key, or one whose first request was lost with its lease: ours now.
            created_at = row.created_at if row is not None else now
            self._uow.write(self.table, (user_id, key), KeyRow(request_hash, None, locked_until, created_at))
            return None
        return IdempotencyRecord(row.request_hash, row.outcome, row.locked_until)

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


# The payment gateway.
@dataclass(frozen=True)
class Succeed:
    pass


@dataclass(frozen=True)
class Decline:
    code: str = "card_declined"


@dataclass(frozen=True)
class TimeOutAfterCharging:
    """The charge goes through at the gateway, but its answer comes back too late: the caller sees Timeout."""


@dataclass(frozen=True)
class TimeOutBeforeArriving:
    """The call is lost on the way: the caller sees Timeout and the gateway never hears of the key."""


@dataclass(frozen=True)
class Overload:
    """The gateway refuses the call before running it."""


Outcome = Succeed | Decline | TimeOutAfterCharging | TimeOutBeforeArriving | Overload

GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
NO_FUNDS_CARD = "4000000000009995"
SLOW_CARD = "4000000000000259"

SANDBOX: dict[str, Outcome] = {
    GOOD_CARD: Succeed(),
    DECLINED_CARD: Decline("card_declined"),
    NO_FUNDS_CARD: Decline("insufficient_funds"),
    SLOW_CARD: TimeOutAfterCharging(),
}


@dataclass(frozen=True)
class Charge:
    key: str
    amount_cents: int
    currency: str
    result: ChargeResult


@dataclass(frozen=True)
class Refund:
    key: str
    charge_reference: str
    amount_cents: int
    reference: str


@dataclass
class FakeGateway:
    """A payment gateway idempotent by key, programmable per card number (unknown numbers succeed)."""

    outcomes: dict[str, Outcome] = field(default_factory=lambda: dict(SANDBOX))
    charges: dict[str, Charge] = field(default_factory=dict)
    refunds: dict[str, Refund] = field(default_factory=dict)
    voided: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    gate: asyncio.Event | None = None  # when set, charge() waits for it: a charge caught in flight
    arrived: asyncio.Event = field(default_factory=asyncio.Event)  # set once a charge call is at the gateway
    _refs: Iterator[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    def program(self, card_number: str, outcome: Outcome) -> None:
        self.outcomes[card_number] = outcome

    async def charge(self, *, key: str, amount_cents: int, currency: str, card: Card) -> ChargeResult:
        self.calls.append(key)
        self.arrived.set()
        if self.gate is not None:
            await self.gate.wait()
        if key in self.charges:
            return self.charges[key].result
        if key in self.voided:
            return ChargeResult(key, "declined", decline_code="voided")
        outcome = self.outcomes.get(card.number, Succeed())
        if isinstance(outcome, Overload):
            raise errors.Overloaded()
        if isinstance(outcome, TimeOutBeforeArriving):
            raise errors.Timeout()
        if isinstance(outcome, Decline):
            result = ChargeResult(key, "declined", decline_code=outcome.code, card_last4=card.last4)
        else:
            result = ChargeResult(key, "succeeded", reference=f"ch_{next(self._refs)}", card_last4=card.last4)
        self.charges[key] = Charge(key, amount_cents, currency, result)
        if isinstance(outcome, TimeOutAfterCharging):
            raise errors.Timeout()
        return result

    async def settle(self, key: str) -> ChargeResult:
        if key in self.charges:
            return self.charges[key].result
        self.voided.add(key)
        return ChargeResult(key, "declined", decline_code="voided")

    async def refund(self, *, key: str, charge_reference: str, amount_cents: int) -> str:
        if key in self.refunds:
            return self.refunds[key].reference
        charged = next(c for c in self.succeeded() if c.result.reference == charge_reference)
        assert amount_cents <= charged.amount_cents, "refund above the charge"
        refund = Refund(key, charge_reference, amount_cents, f"re_{next(self._refs)}")
        self.refunds[key] = refund
        return refund.reference

    def succeeded(self) -> list[Charge]:
        return [c for c in self.charges.values() if c.result.succeeded]

    def refunded_references(self) -> list[str]:
        return [r.charge_reference for r in self.refunds.values()]


class FakeHasher:
    def hash(self, password: str) -> str:
        return "hashed:" + password

    def verify(self, password_hash: str, password: str) -> bool:
        return password_hash == "hashed:" + password


class FakeTokens:
    """Deterministic tokens; remembers whom each access token names so tests can act as that caller."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)
        self._principals: dict[str, Principal] = {}

    def issue_access(self, user: User, session_id: str, now: datetime) -> tuple[str, int]:
        token = f"access-{next(self._counter)}"
        self._principals[token] = Principal(user.id, user.role, session_id)
        return token, 900

    def new_refresh_secret(self) -> str:
        return f"refresh-{next(self._counter)}"

    def hash_refresh_secret(self, secret: str) -> str:
        return "sha256:" + secret

    def principal(self, access_token: str) -> Principal:
        return self._principals[access_token]


class FakeClock:
    def __init__(self, start: datetime = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **parts: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**parts)
        return self._now


class FakeInboxRepository(_Repository):
    table = "inbox"

    async def claim(self, consumer: str, message_id: str, now: datetime) -> bool:
        await self._tick()
        await self._uow.lock(self.table, (consumer, message_id))  # a concurrent duplicate waits, then sees it
        if self._uow.read(self.table, (consumer, message_id)) is not None:
            return False
        self._uow.write(self.table, (consumer, message_id), now)
        return True
