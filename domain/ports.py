"""Ports: what the use cases need from the outside world. Adapters implement them; fakes test them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from domain.accounts import RefreshToken, Session, User
from domain.model import Booking, Event
from domain.pagination import Position
from domain.payments import Card, ChargeResult


@dataclass(frozen=True)
class EventFilter:
    q: str | None = None
    category: str | None = None
    venue: str | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None


@dataclass(frozen=True)
class IdempotencyRecord:
    """A stored request. `outcome` is None while the first request is still running."""

    request_hash: str
    outcome: dict[str, Any] | None
    locked_until: datetime


class UserRepository(Protocol):
    async def add(self, user: User) -> None: ...
    async def get(self, user_id: str) -> User | None: ...
    async def get_by_email(self, email: str) -> User | None: ...


class SessionRepository(Protocol):
    async def add(self, session: Session) -> None: ...
    async def get(self, session_id: str) -> Session | None: ...
    async def revoke(self, session_id: str, at: datetime) -> None: ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...
    async def get_for_update(self, token_hash: str) -> RefreshToken | None: ...
    async def mark_used(self, token_hash: str, at: datetime) -> None: ...


class EventRepository(Protocol):
    async def add(self, event: Event) -> None: ...
    async def get(self, event_id: str) -> Event | None: ...
    async def get_for_update(self, event_id: str) -> Event | None: ...
    async def save(self, event: Event) -> None: ...
    async def list_published(self, flt: EventFilter, after: Position | None, limit: int) -> list[Event]:
        """Published events matching the filter, by (starts_at, id) ascending, after the position."""
        ...

    async def list_by_organizer(self, organizer_id: str | None, after: Position | None, limit: int) -> list[Event]:
        """Every event of the organizer (all when None), by (created_at, id) descending, after the position."""
        ...

    async def try_reserve(self, event_id: str, quantity: int) -> int | None:
        """Take `quantity` seats in one atomic step; the seats left, or None when too few remain."""
        ...

    async def release(self, event_id: str, quantity: int) -> None: ...


class BookingRepository(Protocol):
    async def add(self, booking: Booking) -> None: ...
    async def get(self, booking_id: str) -> Booking | None: ...
    async def get_for_update(self, booking_id: str) -> Booking | None: ...
    async def save(self, booking: Booking) -> None:
        """Write the booking and its payment, if any."""
        ...

    async def list_for_user(self, user_id: str, after: Position | None, limit: int) -> list[Booking]:
        """The user's bookings by (created_at, id) descending, after the position."""
        ...

    async def count_open_holds(self, user_id: str, now: datetime) -> int: ...
    async def claim_expired(self, now: datetime, limit: int) -> list[Booking]:
        """Lock pending holds past expiry with no charge in flight, skipping rows another replica holds."""
        ...

    async def unsettled_ids(self, started_before: datetime, limit: int) -> list[str]:
        """Bookings with a charge of unknown outcome begun before the time, or an unfinished cancellation."""
        ...

    async def ids_for_event(self, event_id: str, statuses: tuple[str, ...]) -> list[str]: ...
    async def sales_for_event(self, event_id: str) -> tuple[int, int]:
        """Seats sold and revenue in minor units, over confirmed bookings."""
        ...


class IdempotencyRepository(Protocol):
    async def claim(
        self, user_id: str, key: str, request_hash: str, now: datetime, locked_until: datetime
    ) -> IdempotencyRecord | None:
        """Take the key for this request; None when taken, else the record that holds it (or held it)."""
        ...

    async def complete(self, user_id: str, key: str, outcome: dict[str, Any]) -> None: ...
    async def release(self, user_id: str, key: str) -> None: ...
    async def purge(self, created_before: datetime) -> int: ...


class InboxRepository(Protocol):
    async def claim(self, consumer: str, message_id: str, now: datetime) -> bool:
        """Mark the message handled by the consumer; False when it already was (a redelivery)."""
        ...


class UnitOfWork(Protocol):
    users: UserRepository
    sessions: SessionRepository
    refresh_tokens: RefreshTokenRepository
    events: EventRepository
    bookings: BookingRepository
    idempotency: IdempotencyRepository
    inbox: InboxRepository

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]


class PaymentGateway(Protocol):
    async def charge(self, *, key: str, amount_cents: int, currency: str, card: Card) -> ChargeResult:
        """Charge once per key: the same key returns the first charge's result."""
        ...

    async def settle(self, key: str) -> ChargeResult:
        """The outcome of the charge under `key`. A key never seen is voided, so a late charge cannot land."""
        ...

    async def refund(self, *, key: str, charge_reference: str, amount_cents: int) -> str:
        """Refund once per key; returns the refund's reference."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool: ...


class TokenIssuer(Protocol):
    def issue_access(self, user: User, session_id: str, now: datetime) -> tuple[str, int]:
        """A signed access token and its lifetime in seconds."""
        ...

    def new_refresh_secret(self) -> str: ...
    def hash_refresh_secret(self, secret: str) -> str: ...


class LoginThrottle(Protocol):
    """Counts failed logins per key (an account, a client address) within a window."""

    async def retry_after(self, keys: Sequence[str]) -> float | None:
        """Seconds until the first blocked key opens again; None when no key is blocked."""
        ...

    async def failed(self, keys: Sequence[str]) -> None: ...
    async def succeeded(self, keys: Sequence[str]) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
