"""The use cases wired to in-memory fakes, and a few callers and events to act with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from domain.accounts import Principal, Role
from domain.auth import AuthService
from domain.booking import BookingService
from domain.catalog import CatalogService, EventDraft
from domain.model import Event, EventStatus
from domain.sessions import SessionGuard
from domain.settlement import Settlement
from tests.answered import Answered
from tests.fakes import (
    GOOD_CARD,
    FakeClock,
    FakeGateway,
    FakeHasher,
    FakeRevocations,
    FakeTokens,
    FakeUnitOfWork,
    InMemoryStore,
    uow_factory,
)

SignUp = Callable[..., Awaitable[Principal]]
NewEvent = Callable[..., Awaitable[Event]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def uow(store: InMemoryStore) -> Callable[[], FakeUnitOfWork]:
    return uow_factory(store)


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def tokens() -> FakeTokens:
    return FakeTokens()


@pytest.fixture(params=["revocation store", "database only"])
def revocations(request: pytest.FixtureRequest, clock: FakeClock) -> FakeRevocations | None:
    """Sessions checked against a revocation store (Redis), or in the database alone."""
    return FakeRevocations(clock) if request.param == "revocation store" else None


@pytest.fixture
def auth(uow: Any, tokens: FakeTokens, clock: FakeClock, revocations: FakeRevocations | None) -> AuthService:
    return AuthService(uow=uow, hasher=FakeHasher(), tokens=tokens, clock=clock, revocations=revocations)


@pytest.fixture
def sessions(uow: Any, revocations: FakeRevocations | None) -> SessionGuard:
    """The check the ingress runs on every authenticated request."""
    return SessionGuard(uow=uow, revocations=revocations)


@pytest.fixture
def catalog(uow: Any, clock: FakeClock) -> CatalogService:
    return CatalogService(uow=uow, clock=clock)


@pytest.fixture
def bookings(uow: Any, gateway: FakeGateway, clock: FakeClock) -> Answered:
    return Answered(BookingService(uow=uow, gateway=gateway, clock=clock, settle_after=timedelta(seconds=10)))


@pytest.fixture
def settlement(bookings: Answered) -> Settlement:
    return bookings.settlement


@pytest.fixture
def sign_up(auth: AuthService, tokens: FakeTokens) -> SignUp:
    """Register and log in; the caller as its access token names it."""

    async def sign_up(email: str, role: Role = Role.CUSTOMER, password: str = "correct-horse") -> Principal:
        await auth.register(email=email, password=password, name=email.split("@")[0], role=role)
        return tokens.principal((await auth.login(email=email, password=password)).access_token)

    return sign_up


@pytest.fixture
async def customer(sign_up: SignUp) -> Principal:
    return await sign_up("ada@example.com")


@pytest.fixture
async def other_customer(sign_up: SignUp) -> Principal:
    return await sign_up("bob@example.com")


@pytest.fixture
async def organizer(sign_up: SignUp) -> Principal:
    return await sign_up("org@example.com", Role.ORGANIZER)


@pytest.fixture
def new_event(catalog: CatalogService, organizer: Principal, clock: FakeClock) -> NewEvent:
    """Create an event (published, 100 seats at 25.00 EUR, in 30 days) with any field overridden."""

    async def new_event(by: Principal | None = None, **overrides: Any) -> Event:
        starts_at = overrides.pop("starts_at", clock.now() + timedelta(days=30))
        fields: dict[str, Any] = {
            "title": "Jazz night",
            "description": "A quartet plays standards.",
            "category": "music",
            "venue": "Blue Hall",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=3),
            "capacity": 100,
            "price_cents": 2500,
            "currency": "EUR",
            "status": EventStatus.PUBLISHED,
        } | overrides
        return await catalog.create_event(by or organizer, EventDraft(**fields))

    return new_event


# What the user is answered (the HTTP shape), so tests read like the contract.
Hold = Callable[..., Awaitable[dict[str, Any]]]
Pay = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
def hold(bookings: Answered) -> Hold:
    """Hold seats under a fresh Idempotency-Key unless one is given."""
    keys = iter(range(1, 10_000))

    async def hold(principal: Principal, event: Event, quantity: int = 2, key: str | None = None) -> dict[str, Any]:
        return await bookings.hold(
            principal, event_id=event.id, quantity=quantity, idempotency_key=key or f"hold-{next(keys)}"
        )

    return hold


@pytest.fixture
def pay(bookings: Answered) -> Pay:
    """Pay with a card valid until 2031 under a fresh Idempotency-Key unless one is given."""
    keys = iter(range(1, 10_000))

    async def pay(
        principal: Principal, booking: dict[str, Any], card: str = GOOD_CARD, key: str | None = None
    ) -> dict[str, Any]:
        return await bookings.pay(
            principal,
            booking_id=booking["id"],
            card_number=card,
            exp_month=12,
            exp_year=2031,
            cvc="123",
            idempotency_key=key or f"pay-{next(keys)}",
        )

    return pay
