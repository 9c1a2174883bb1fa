"""Stripe over HTTP, end to end in one process: the app's routes on PostgreSQL, the Stripe gateway calling the
Stripe-compatible server (tests/stripe_server.py), and webhooks signed the way Stripe signs them."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.bootstrap import Ports, auth_service, booking_service, catalog_service, local_services, payment_sources
from adapters.db import create_engine, uow_factory
from adapters.security import JwtTokens
from adapters.settings import Settings
from adapters.stripe_gateway import StripeGateway, stripe_client
from domain.accounts import Principal, Role, User
from domain.ports import UnitOfWorkFactory
from ingress.app import build_app
from tests.fakes import FakeHasher
from tests.http.conftest import SECRET, Health
from tests.integration.it_support import add_buyers, add_event
from tests.stripe_server import FakeStripe

WEBHOOK_SECRET = "whsec_eventbook_test"


def signed(payload: bytes, secret: str = WEBHOOK_SECRET, at: int | None = None) -> dict[str, str]:
    """The `Stripe-Signature` header Stripe sends: `t=<ts>,v1=<HMAC-SHA256 of "ts.payload" with the secret>`."""
    ts = at or int(time.time())
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={ts},v1={mac}", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def fake_stripe() -> Iterator[FakeStripe]:
    server = FakeStripe(slow_s=1.0).start()
    yield server
    server.stop()


@pytest.fixture
def client(pg_url: str, fake_stripe: FakeStripe) -> Iterator[TestClient]:
    """The app over real services: its own engine, used only in the TestClient's event loop."""
    settings = Settings(
        secret_key=SECRET, demo=False, payment_provider="stripe", stripe_secret_key="sk_test_eventbook",
        stripe_publishable_key="pk_test_eventbook", stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=fake_stripe.url, stripe_timeout_s=0.3, payment_timeout_s=0.1,
    )  # type: ignore[call-arg]  # fmt: skip
    engine = create_engine(pg_url, pool_size=5)
    tokens = JwtTokens(SECRET, access_ttl=timedelta(minutes=15))
    ports = Ports(settings=settings, uow=uow_factory(engine), clock=_Clock(), hasher=FakeHasher(), tokens=tokens)
    client = stripe_client("sk_test_eventbook", api_base=fake_stripe.url, timeout_s=0.3)
    gateway = StripeGateway(engine, client, timeout_s=0.3)
    booking = booking_service(ports, gateway, payment_sources=payment_sources(settings))
    health = {name: Health({"database": "ok"}) for name in ("auth", "catalog", "booking", "messaging")}
    app = build_app()
    app.state.services = local_services(
        ports, auth=auth_service(ports), catalog=catalog_service(ports), booking=booking, health=health
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
        test_client.portal.call(engine.dispose)  # type: ignore[union-attr]


def wait_until(done: Any, timeout_s: float = 5) -> None:
    deadline = time.monotonic() + timeout_s
    while not done() and time.monotonic() < deadline:
        time.sleep(0.05)


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


async def buyer_and_event(uow: UnitOfWorkFactory) -> tuple[dict[str, str], str]:
    now = datetime.now(UTC)
    event = await add_event(uow, capacity=5, now=now)
    [buyer] = await add_buyers(uow, 1, now)
    return auth(buyer), event.id


def auth(buyer: Principal) -> dict[str, str]:
    user = User(buyer.user_id, "buyer@example.com", "Buyer", Role.CUSTOMER, "-", datetime.now(UTC))
    token, _ = JwtTokens(SECRET, access_ttl=timedelta(minutes=15)).issue_access(
        user, buyer.session_id, datetime.now(UTC)
    )
    return {"Authorization": f"Bearer {token}"}


def hold(client: TestClient, headers: dict[str, str], event_id: str) -> str:
    answer = client.post(
        "/api/bookings", json={"event_id": event_id, "quantity": 1}, headers={**headers, "Idempotency-Key": "h1"}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def pay(client: TestClient, headers: dict[str, str], booking_id: str, body: dict[str, Any], key: str = "p1") -> Any:
    return client.post(f"/api/bookings/{booking_id}/pay", json=body, headers={**headers, "Idempotency-Key": key})


async def test_the_web_app_is_told_to_collect_the_card_with_stripe(client: TestClient) -> None:
    assert client.get("/api/payments/config").json() == {"provider": "stripe", "publishable_key": "pk_test_eventbook"}


async def test_paying_over_http_takes_a_payment_method_and_refuses_a_card_number(
    client: TestClient, pg_uow: UnitOfWorkFactory
) -> None:
    headers, event_id = await buyer_and_event(pg_uow)
    booking_id = hold(client, headers, event_id)

    card = pay(
        client,
        headers,
        booking_id,
        {"card_number": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2099, "cvc": "123"},
        "c1",
    )
    paid = pay(client, headers, booking_id, {"payment_method": "pm_card_visa"})

    assert card.status_code == 422 and card.json()["error"]["code"] == "validation_error"
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "confirmed" and paid.json()["payment"]["card_last4"] == "4242"


async def test_a_late_success_reported_by_a_signed_webhook_confirms_the_booking_once(
    client: TestClient, pg_uow: UnitOfWorkFactory, fake_stripe: FakeStripe
) -> None:
    headers, event_id = await buyer_and_event(pg_uow)
    booking_id = hold(client, headers, event_id)
    late = pay(client, headers, booking_id, {"payment_method": "pm_card_eventbook_slow"})
    assert late.status_code == 504 and late.json()["error"]["code"] == "timeout"
    assert client.get(f"/api/bookings/{booking_id}", headers=headers).json()["status"] == "pending"
    [intent_id] = [
        i for i, pi in fake_stripe.intents.items() if pi["metadata"]["eventbook_charge_key"].startswith(booking_id)
    ]
    wait_until(lambda: fake_stripe.intents[intent_id]["status"] == "succeeded")  # Stripe ends it after the 504

    event = fake_stripe.event("payment_intent.succeeded", intent_id, event_id="evt_late_success")
    first = client.post("/api/payments/stripe/webhook", content=event, headers=signed(event))
    replayed = client.post("/api/payments/stripe/webhook", content=event, headers=signed(event))

    assert first.status_code == 200 and first.json() == {"received": True, "duplicate": False, "ignored": False}
    assert replayed.status_code == 200 and replayed.json()["duplicate"] is True
    booking = client.get(f"/api/bookings/{booking_id}", headers=headers).json()
    assert booking["status"] == "confirmed" and booking["payment"]["reference"] == intent_id
    retried = pay(client, headers, booking_id, {"payment_method": "pm_card_eventbook_slow"})
    assert retried.status_code == 200 and retried.json()["payment"]["reference"] == intent_id  # charged once


async def test_a_webhook_whose_signature_does_not_verify_is_refused_with_400(
    client: TestClient, fake_stripe: FakeStripe
) -> None:
    intent = next(iter(fake_stripe.intents)) if fake_stripe.intents else None
    payload = fake_stripe.event("payment_intent.succeeded", intent) if intent else b'{"id": "evt_x", "type": "x"}'
    tampered = payload.replace(b'"livemode": false', b'"livemode": true')
    answers = [
        client.post("/api/payments/stripe/webhook", content=payload, headers=signed(payload, "whsec_wrong")),
        client.post("/api/payments/stripe/webhook", content=tampered, headers=signed(payload)),
        client.post("/api/payments/stripe/webhook", content=payload, headers={"Content-Type": "application/json"}),
        client.post(
            "/api/payments/stripe/webhook", content=payload, headers=signed(payload, at=int(time.time()) - 3600)
        ),
    ]
    for answer in answers:
        assert answer.status_code == 400
        assert answer.json()["error"]["code"] == "bad_request" and set(answer.json()["error"]) == {
            "code",
            "message",
            "details",
        }


async def test_a_failed_payment_reported_by_webhook_leaves_the_hold_pending(
    client: TestClient, pg_uow: UnitOfWorkFactory, fake_stripe: FakeStripe
) -> None:
    headers, event_id = await buyer_and_event(pg_uow)
    booking_id = hold(client, headers, event_id)
    declined = pay(client, headers, booking_id, {"payment_method": "pm_card_chargeDeclinedInsufficientFunds"})
    assert declined.status_code == 402 and declined.json()["error"]["code"] == "insufficient_funds"
    [intent_id] = [
        i for i, pi in fake_stripe.intents.items() if pi["metadata"]["eventbook_charge_key"].startswith(booking_id)
    ]

    event = fake_stripe.event("payment_intent.payment_failed", intent_id)
    answer = client.post("/api/payments/stripe/webhook", content=event, headers=signed(event))
    other = fake_stripe.event("charge.refunded", intent_id)

    assert answer.status_code == 200 and answer.json()["ignored"] is False
    assert client.post("/api/payments/stripe/webhook", content=other, headers=signed(other)).json()["ignored"] is True
    assert client.get(f"/api/bookings/{booking_id}", headers=headers).json()["status"] == "pending"
