"""One Serve application per test session, on a throwaway PostgreSQL database."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pika
import psycopg
import pytest
import redis

from adapters.messaging.rabbit import Topology
from tests.e2e.live_app import LiveApp, start, stop
from tests.e2e.tcp_proxy import TcpProxy
from tests.integration.replica_support import services, standby

SERVER = os.environ.get("EVENTBOOK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REPLICA = os.environ.get("EVENTBOOK_TEST_PG_REPLICA", "postgresql://postgres@127.0.0.1:5433/postgres")
REDIS = "redis://127.0.0.1:6379/14"
AMQP = "amqp://guest:guest@127.0.0.1:5672/%2F"

# The suites sign up hundreds of buyers from one address; the live apps inherit this environment.
os.environ.setdefault("EVENTBOOK_REGISTER_MAX_PER_IP", "1000000")

# Short clocks so expiry and the slow card's settlement happen within a test.
FAST_CLOCKS = {
    "EVENTBOOK_HOLD_MINUTES": "0.25",
    "EVENTBOOK_PAYMENT_TIMEOUT_S": "2",
    "EVENTBOOK_SANDBOX_SLOW_CARD_DELAY_S": "6",
    "EVENTBOOK_SETTLE_AFTER_S": "3",
    "EVENTBOOK_REAPER_INTERVAL_S": "0.5",
    # Small pools: this app shares the machine's PostgreSQL (100 connections) with the cluster test's app.
    "EVENTBOOK_DB_POOL_SIZE": "4",
}


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    name = f"eventbook_e2e_{secrets.token_hex(4)}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = SERVER.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Proxies:
    """The app reaches Redis and RabbitMQ through these, so a test can take either away from it alone."""

    redis: TcpProxy
    broker: TcpProxy
    amqp_prefix: str


@pytest.fixture(scope="session")
def proxies() -> Iterator[Proxies]:
    prefix = f"e2e-{secrets.token_hex(4)}"
    yield Proxies(TcpProxy(6379), TcpProxy(5672), prefix)
    with pika.BlockingConnection(pika.URLParameters(AMQP)) as connection:
        channel = connection.channel()
        topology = Topology(prefix=prefix)
        for consumer, _ in topology.consumers:
            channel.queue_delete(topology.queue(consumer))
            channel.queue_delete(topology.dead_letter_queue(consumer))
        channel.exchange_delete(topology.exchange)
        channel.exchange_delete(topology.dead_letter_exchange)
    redis.Redis.from_url(REDIS).flushdb()


@pytest.fixture(scope="session")
def replica_url(database_url: str) -> str:
    """The session's database on the streaming replica (`make services` starts it when it is not running)."""
    if not standby(REPLICA):
        services("up")
    assert standby(REPLICA), "the streaming replica did not come up"
    return f"{REPLICA.rsplit('/', 1)[0]}/{database_url.rsplit('/', 1)[1]}"


@pytest.fixture(scope="session")
def live_app(
    tmp_path_factory: pytest.TempPathFactory, database_url: str, replica_url: str, proxies: Proxies
) -> Iterator[LiveApp]:
    """The platform on the full stack: the primary, its streaming replica, Redis and RabbitMQ (the last two
    through the proxies), as `make run-stack` runs it."""
    redis.Redis.from_url(REDIS).flushdb()
    stack = {
        "EVENTBOOK_DATABASE_URL": database_url,
        "EVENTBOOK_REPLICA_URL": replica_url,
        "EVENTBOOK_REDIS_URL": f"redis://127.0.0.1:{proxies.redis.port}/14",
        "EVENTBOOK_AMQP_URL": f"amqp://guest:guest@127.0.0.1:{proxies.broker.port}/%2F",
        "EVENTBOOK_AMQP_PREFIX": proxies.amqp_prefix,
    }
    # As `make run` starts it: behind HAProxy. EVENTBOOK_E2E_SERVE_MODE=default runs the suite on Serve's Python proxy.
    mode = os.environ.get("EVENTBOOK_E2E_SERVE_MODE", "throughput")
    app = start(tmp_path_factory.mktemp("serve"), {**stack, **FAST_CLOCKS}, mode=mode)
    yield app
    stop(app)


@pytest.fixture(scope="session")
def http(live_app: LiveApp) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_app.base_url, timeout=30) as client:
        yield client


class Api:
    """A small client speaking the contract, as a user's program would."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def register_and_login(self, *, name: str = "Test User", role_email: str | None = None) -> dict[str, str]:
        email = role_email or f"user-{uuid.uuid4().hex[:10]}@example.org"
        password = "correct horse battery"
        assert (
            self.http.post("/api/auth/register", json={"email": email, "password": password, "name": name}).status_code
            == 201
        )
        return self.login(email, password)

    def login(self, email: str, password: str) -> dict[str, str]:
        response = self.http.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    def organizer(self) -> dict[str, str]:
        return self.login("organizer@example.com", "organizer-pass-123")

    def create_event(self, auth: dict[str, str], **overrides: Any) -> dict[str, Any]:
        body = {
            "title": f"E2E event {uuid.uuid4().hex[:6]}",
            "description": "made by a test",
            "category": "music",
            "venue": "Test Hall",
            "starts_at": "2031-06-01T19:00:00Z",
            "ends_at": "2031-06-01T22:00:00Z",
            "capacity": 20,
            "price_cents": 2500,
            "currency": "EUR",
            **overrides,
        }
        response = self.http.post("/api/events", json=body, headers=auth)
        assert response.status_code == 201, response.text
        return dict(response.json())

    def hold(self, auth: dict[str, str], event_id: str, quantity: int, key: str | None = None) -> httpx.Response:
        headers = {**auth, "Idempotency-Key": key or uuid.uuid4().hex}
        return self.http.post("/api/bookings", json={"event_id": event_id, "quantity": quantity}, headers=headers)

    def pay(self, auth: dict[str, str], booking_id: str, card: str, key: str | None = None) -> httpx.Response:
        body = {"card_number": card, "exp_month": 12, "exp_year": 2031, "cvc": "123"}
        headers = {**auth, "Idempotency-Key": key or uuid.uuid4().hex}
        return self.http.post(f"/api/bookings/{booking_id}/pay", json=body, headers=headers)


@pytest.fixture(scope="session")
def api(http: httpx.Client) -> Api:
    return Api(http)
