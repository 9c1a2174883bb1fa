"""The real FastAPI app over the real use cases, wired to in-memory fakes, driven with TestClient."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # `tests.fakes`, however pytest is started

from adapters.security import JwtTokens
from domain.accounts import Role
from domain.auth import AuthService
from domain.booking import BookingService
from domain.catalog import CatalogService
from ingress.app import build_app
from ingress.backend import LocalBackend
from tests.fakes import FakeClock, FakeGateway, FakeHasher, InMemoryStore, uow_factory

SECRET = "test-secret-" + "x" * 32
GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
Headers = dict[str, str]


class WithHealth:
    """A service as its deployment exposes it: the use cases plus `health()`."""

    def __init__(self, service: Any, checks: dict[str, str]) -> None:
        self._service = service
        self.checks = checks
        self.fail = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._service, name)

    async def health(self) -> dict[str, str]:
        if self.fail:
            raise ConnectionError("the replica is gone")
        return dict(self.checks)


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def clock() -> FakeClock:
    # Real time: JWTs carry iat/exp that PyJWT checks against the wall clock.
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


def make_services(store: InMemoryStore, clock: FakeClock) -> dict[str, WithHealth]:
    uow = uow_factory(store)
    tokens = JwtTokens(SECRET, access_ttl=timedelta(minutes=15))
    return {
        "auth": WithHealth(AuthService(uow=uow, hasher=FakeHasher(), tokens=tokens, clock=clock), {"database": "ok"}),
        "catalog": WithHealth(CatalogService(uow=uow, clock=clock), {"database": "ok", "replica": "ok"}),
        "booking": WithHealth(
            BookingService(uow=uow, gateway=FakeGateway(), clock=clock), {"database": "ok", "payment": "ok"}
        ),
        "messaging": WithHealth(None, {"database": "ok", "broker": "disabled"}),
    }


def make_app(services: dict[str, WithHealth]) -> FastAPI:
    """The app as the Serve ingress sets it up, over in-process services."""
    app = build_app()
    app.state.backend = LocalBackend(dict(services))
    app.state.tokens = JwtTokens(SECRET, access_ttl=timedelta(minutes=15))
    app.state.settings = None
    return app


@pytest.fixture
def services(store: InMemoryStore, clock: FakeClock) -> dict[str, WithHealth]:
    return make_services(store, clock)


@pytest.fixture
def app(services: dict[str, WithHealth]) -> FastAPI:
    return make_app(services)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # One event loop for the whole test: the fakes' row locks belong to it.
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def sign_up(client: TestClient, store: InMemoryStore) -> Callable[..., Headers]:
    """Register over HTTP (promoting the user to `role` in the store), log in; the bearer headers."""

    def sign_up(email: str, role: Role = Role.CUSTOMER, password: str = "correct-horse") -> Headers:
        answer = client.post("/api/auth/register", json={"email": email, "password": password, "name": "Ada"})
        assert answer.status_code == 201, answer.text
        if role is not Role.CUSTOMER:
            store.tables["users"][answer.json()["id"]].role = role
        login = client.post("/api/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        return {"Authorization": f"Bearer {login.json()['access_token']}"}

    return sign_up


@pytest.fixture
def customer(sign_up: Callable[..., Headers]) -> Headers:
    return sign_up("ada@example.com")


@pytest.fixture
def other_customer(sign_up: Callable[..., Headers]) -> Headers:
    return sign_up("bob@example.com")


@pytest.fixture
def organizer(sign_up: Callable[..., Headers]) -> Headers:
    return sign_up("org@example.com", Role.ORGANIZER)


def event_body(**overrides: Any) -> dict[str, Any]:
    starts = datetime.now(UTC) + timedelta(days=30)
    body = {
        "title": "Jazz night",
        "description": "A quartet plays standards.",
        "category": "music",
        "venue": "Blue Hall",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=3)).isoformat(),
        "capacity": 100,
        "price_cents": 2500,
        "currency": "EUR",
    }
    return body | overrides


@pytest.fixture
def event(client: TestClient, organizer: Headers) -> dict[str, Any]:
    answer = client.post("/api/events", json=event_body(), headers=organizer)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


@pytest.fixture
def hold(client: TestClient) -> Callable[..., Any]:
    """POST /api/bookings under a fresh Idempotency-Key unless one is given; the raw answer."""
    keys = iter(range(1, 10_000))

    def hold(headers: Headers, event_id: str, quantity: int = 2, key: str | None = None) -> Any:
        key = key or f"hold-{next(keys)}"
        return client.post(
            "/api/bookings",
            json={"event_id": event_id, "quantity": quantity},
            headers=headers | {"Idempotency-Key": key},
        )

    return hold


def card(number: str = GOOD_CARD, **overrides: Any) -> dict[str, Any]:
    return {"card_number": number, "exp_month": 12, "exp_year": datetime.now(UTC).year + 2, "cvc": "123"} | overrides


def assert_error(answer: Any, status: int, code: str) -> dict[str, Any]:
    """The contract's error body, with the status and code expected."""
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    return dict(body["error"])
