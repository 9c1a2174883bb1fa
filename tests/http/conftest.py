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

from adapters.bootstrap import Ports, auth_service, booking_service, catalog_service, local_services
from adapters.queue_bootstrap import LocalQueue
from adapters.security import JwtTokens, pass_signer
from adapters.settings import Settings
from domain.accounts import Role
from domain.ports import Revocations
from domain.queueing import QueueService
from domain.waiting_room import AdmissionPolicy, WaitingRoom
from ingress.app import build_app
from ingress.services import HealthCheck, Services
from tests.fake_queue import FakeQueueStore
from tests.fake_rooms import FakeRooms
from tests.fakes import FakeClock, FakeGateway, FakeHasher, InMemoryStore, uow_factory

SECRET = "test-secret-" + "x" * 32
# Outside demo mode the settings refuse the sandbox: these tests name Stripe (and pay through a fake gateway).
STRIPE_KEYS = {"payment_provider": "stripe", "stripe_secret_key": "sk_test_x", "stripe_publishable_key": "pk_test_x"}
STRIPE_SETTINGS = {**STRIPE_KEYS, "stripe_webhook_secret": "whsec_test"}
GOOD_CARD = "4242 4242 4242 4242"
DECLINED_CARD = "4000 0000 0000 0002"
Headers = dict[str, str]


class Health:
    """What a deployment's health() reports, settable by a test (`fail`: the service is gone)."""

    def __init__(self, checks: dict[str, str]) -> None:
        self.checks = checks
        self.fail = False

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


def fake_ports(store: InMemoryStore, clock: FakeClock, revocations: Revocations | None = None) -> Ports:
    """The composition root's ports over in-memory fakes; the deployments' builders make the services from them."""
    # The throttles' defaults whatever the environment says (the e2e and cluster suites lift the sign-up limit).
    limits = {"register_max_per_ip": 20, "register_window_s": 3600}
    settings = Settings(secret_key=SECRET, demo=False, **STRIPE_SETTINGS, **limits)
    tokens = JwtTokens(SECRET, access_ttl=timedelta(minutes=15))
    return Ports(
        settings=settings,
        uow=uow_factory(store),
        clock=clock,
        hasher=FakeHasher(),
        tokens=tokens,
        revocations=revocations,
    )


def make_services(store: InMemoryStore, clock: FakeClock, revocations: Revocations | None = None) -> Services:
    ports = fake_ports(store, clock, revocations)
    health: dict[str, HealthCheck] = {
        "auth": Health({"database": "ok"}),
        "catalog": Health({"database": "ok", "replica": "ok"}),
        "booking": Health({"database": "ok", "payment": "ok"}),
        "messaging": Health({"database": "ok", "broker": "disabled"}),
    }
    return local_services(
        ports,
        auth=auth_service(ports),
        catalog=catalog_service(ports),
        booking=booking_service(ports, FakeGateway()),
        health=health,
        queue=local_queue(ports, store),
    )


def local_queue(ports: Ports, store: InMemoryStore) -> LocalQueue:
    """The Queue's work in this process, over an in-memory queue store and the fake store's events."""
    room = WaitingRoom(
        store=FakeQueueStore(), passes=pass_signer(ports.settings), clock=ports.clock, policy=AdmissionPolicy()
    )
    return LocalQueue(QueueService(room=room, rooms=FakeRooms(store), clock=ports.clock), tick_s=0.05)


def make_app(services: Services) -> FastAPI:
    """The app as the Serve ingress sets it up, over in-process services."""
    app = build_app()
    app.state.services = services
    return app


@pytest.fixture
def services(store: InMemoryStore, clock: FakeClock) -> Services:
    return make_services(store, clock)


@pytest.fixture
def app(services: Services) -> FastAPI:
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
