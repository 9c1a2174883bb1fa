"""Ports: what the use cases need from the outside world. Adapters implement them; fakes test them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from domain.accounts import RefreshToken, Session, User
from domain.model import Booking, Event
from domain.pagination import Position
from domain.payments import ChargeRequest, ChargeResult
from domain.pricing import PromoCode
from domain.ticket_ports import TicketStores
from domain.tickets import NewTicket
from domain.waitlist import WaitlistRepository


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


@dataclass(frozen=True)
class StoredKey:
    """An idempotency key to write: its request, its outcome (None while the request runs, until `locked_until`)."""

    user_id: str
    key: str
    request_hash: str
    outcome: dict[str, Any] | None
    locked_until: datetime
    created_at: datetime


@dataclass(frozen=True)
class SaleSnapshot:
    """What a batch of holds for one event decides on: the event, the keys already used, each buyer's open holds."""

    event: Event | None
    priors: dict[tuple[str, str], IdempotencyRecord]  # by (user_id, key)
    open_holds: dict[str, int]  # by user_id: pending holds not yet expired
    held_seats: dict[str, tuple[int, int]] = field(default_factory=dict)  # by user_id: their seats (all, this event)
    owned: dict[str, int] = field(default_factory=dict)  # with a purchase limit: seats held or bought here, by user
    promos: dict[str, PromoCode] = field(default_factory=dict)  # by code: the event's codes the requests name


@dataclass(frozen=True)
class ChargeClaim:
    """A payment asking to start its charge: the booking, the payer, the gateway's key, its idempotency key."""

    booking_id: str
    user_id: str
    charge_key: str
    key: StoredKey


@dataclass(frozen=True)
class Confirmation:
    """A charge that succeeded: the booking confirmed in memory (payment, messages), and the answer to keep."""

    booking: Booking
    charge_key: str
    key: tuple[str, str]
    outcome: dict[str, Any]
    tickets: tuple[NewTicket, ...] = ()  # one per seat, written by the statement that confirms the booking


@dataclass(frozen=True)
class ChargeEnd:
    """A charge that ended unpaid: the key completed with `outcome` (a refusal to keep), or released (None)."""

    booking_id: str
    charge_key: str
    key: tuple[str, str]
    outcome: dict[str, Any] | None


@dataclass(frozen=True)
class ChargeStart:
    """What starting a charge found. `started`: the key is this request's and the booking names the charge."""

    claimed: bool  # the key is this request's (new, or taken over from a request that died)
    started: bool  # the booking now names this charge
    booking: Booking | None  # the booking as the statement found it (for the reason it did not start)
    prior: IdempotencyRecord | None  # the key as another request left it


class UserRepository(Protocol):
    async def add(self, user: User) -> None: ...
    async def get(self, user_id: str) -> User | None: ...
    async def get_by_email(self, email: str) -> User | None: ...


class SessionRepository(Protocol):
    async def add(self, session: Session) -> None: ...
    async def get(self, session_id: str) -> Session | None: ...
    async def get_many(self, session_ids: Sequence[str]) -> dict[str, Session]: ...
    async def revoke(self, session_id: str, at: datetime) -> None: ...


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...
    async def get_for_update(self, token_hash: str) -> RefreshToken | None: ...
    async def mark_used(self, token_hash: str, at: datetime) -> None: ...


class EventRepository(Protocol):
    async def add(self, event: Event) -> None: ...
    async def get(self, event_id: str) -> Event | None: ...
    async def get_many(self, event_ids: Sequence[str]) -> list[Event]: ...
    async def get_for_update(self, event_id: str) -> Event | None: ...
    async def save(self, event: Event) -> None: ...
    async def list_published(self, flt: EventFilter, after: Position | None, limit: int) -> list[Event]:
        """Published events matching the filter, by (starts_at, id) ascending, after the position."""
        ...

    async def list_by_organizer(self, organizer_id: str | None, after: Position | None, limit: int) -> list[Event]:
        """Every event of the organizer (all when None), by (created_at, id) descending, after the position."""
        ...

    async def release(self, booking: Booking) -> None: ...  # its seats back to event and types, its code's use back


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

    async def sale_snapshot(
        self, event_id: str, keys: Sequence[tuple[str, str]], users: Sequence[str], now: datetime, codes: Sequence[str]
    ) -> SaleSnapshot:
        """The event and its types, the (user_id, key) pairs stored, the users' open holds, its codes among `codes`."""
        ...

    async def place_holds(
        self, event: Event | None, seats: int, holds: Sequence[Booking], keys: Sequence[StoredKey], now: datetime
    ) -> bool:
        """In one atomic step: take `seats` from the event, add the holds, store the keys. False, with nothing
        written, when the event is no longer as `event` says (fewer seats, another price or purchase limit, not on
        sale) or a key is stored already. With no holds, only the keys are stored (refusals to remember)."""
        ...

    async def start_charges(self, claims: Sequence[ChargeClaim]) -> list[ChargeStart]:
        """In one atomic step, for each claim whose booking is payable by its charge (the user's, pending, not
        being cancelled, no other charge in flight, not expired unless this charge is already in flight): claim
        the key (or take over an expired lease of the same request) and name the charge on the booking. The
        (user, key) pairs must be distinct."""
        ...

    async def confirm_charges(self, confirmations: Sequence[Confirmation]) -> list[bool]:
        """In one atomic step, for each booking that still names its charge and is pending: write it confirmed
        (with its payment, messages and tickets) and complete its key. Whether each one was."""
        ...

    async def end_charges(self, endings: Sequence[ChargeEnd]) -> None:
        """The charges ended without a payment: the bookings no longer name them; their keys are completed or
        released."""
        ...

    async def claim_expired(self, now: datetime, limit: int) -> list[Booking]:
        """Lock pending holds past expiry with no charge in flight, skipping rows another replica holds."""
        ...

    async def unsettled_ids(self, started_before: datetime, limit: int) -> list[str]:
        """Bookings with a charge of unknown outcome begun before the time, or an unfinished cancellation."""
        ...

    async def ids_for_event(self, event_id: str, statuses: tuple[str, ...]) -> list[str]: ...
    async def with_buyer_and_event(self, booking_id: str) -> tuple[Booking, User, Event] | None:
        """The booking with its buyer and its event, read together (what an e-mail about it needs)."""
        ...

    async def sales_for_event(self, event_id: str) -> tuple[int, int]:
        """Seats sold and revenue in minor units, over confirmed bookings."""
        ...


class IdempotencyRepository(Protocol):
    async def get(self, user_id: str, key: str) -> IdempotencyRecord | None: ...
    async def remember(self, key: StoredKey) -> bool:
        """Store the key unless it is stored already; whether it was stored."""
        ...

    async def complete(self, user_id: str, key: str, outcome: dict[str, Any]) -> None: ...
    async def release(self, user_id: str, key: str) -> None: ...
    async def purge(self, created_before: datetime) -> int: ...


class InboxRepository(Protocol):
    async def claim(self, consumer: str, message_id: str, now: datetime) -> bool:
        """Mark the message handled by the consumer; False when it already was (a redelivery)."""
        ...


class UnitOfWork(TicketStores, Protocol):  # with the ticket side's repositories
    users: UserRepository
    sessions: SessionRepository
    refresh_tokens: RefreshTokenRepository
    events: EventRepository
    bookings: BookingRepository
    idempotency: IdempotencyRepository
    inbox: InboxRepository
    waitlist: WaitlistRepository

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, autocommit: bool = False) -> UnitOfWork:
        """A new unit of work. `autocommit`: every repository call is one atomic statement that commits by itself
        where the database allows it (PostgreSQL: one round trip, no BEGIN/COMMIT); `commit()` must still be
        called after writes, and commits whatever a database without it kept open."""
        ...


class PaymentGateway(Protocol):
    async def charge_many(self, charges: Sequence[ChargeRequest]) -> list[ChargeResult]:
        """Charge once per key: the same key answers the first charge's result. Never waits for a charge the
        gateway is still processing: that one answers `processing`, and `settle` tells later how it ended."""
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


class Revocations(Protocol):
    """Revoked sessions, shared by every process: a revocation stops the very next request without a query."""

    async def revoke(self, session_id: str, *, for_s: float) -> bool:
        """Remember the session as revoked for `for_s` seconds (an access token's lifetime); False if it could not."""
        ...

    async def are_revoked(self, sessions: Sequence[tuple[str, datetime | None]]) -> list[bool | None]:
        """For each (session id, when its token was issued): whether it is revoked; None when this store cannot
        tell (it is away, or it forgot what happened before the token was issued): then the database decides."""
        ...
