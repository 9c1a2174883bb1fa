"""The booking saga with the Stripe gateway: the official SDK over HTTP to a Stripe-compatible server on this machine
(tests/stripe_server.py: `stripe-stateful-mock` serves no PaymentIntents), the adapter's ledger on PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.stripe_gateway import StripeGateway, stripe_client
from domain import errors
from domain.accounts import Principal
from domain.booking import BookingService
from domain.payments import ChargeRequest
from domain.ports import UnitOfWorkFactory
from tests.answered import Answered
from tests.integration.it_support import FixedClock, add_buyers, add_event
from tests.stripe_server import FakeStripe

SOURCES = frozenset({"payment_method"})


@pytest.fixture(scope="module")
def fake_stripe() -> Iterator[FakeStripe]:
    server = FakeStripe(slow_s=1.5).start()
    yield server
    server.stop()


def gateway(engine: AsyncEngine, stripe: FakeStripe, clock: FixedClock, timeout_s: float = 3.0) -> StripeGateway:
    client = stripe_client("sk_test_eventbook", api_base=stripe.url, timeout_s=timeout_s)
    return StripeGateway(engine, client, timeout_s=timeout_s, clock=clock)


def service(uow: UnitOfWorkFactory, gateway: StripeGateway, clock: FixedClock) -> Answered:
    return Answered(BookingService(uow=uow, gateway=gateway, clock=clock, payment_sources=SOURCES))


async def pay(service: Answered, buyer: Principal, booking_id: str, key: str, method: str) -> dict[str, Any]:
    request = {"card_number": "", "exp_month": 0, "exp_year": 0, "cvc": "", "payment_method": method}
    return await service.pay(buyer, booking_id=booking_id, idempotency_key=key, **request)


async def test_a_payment_method_pays_once_whatever_the_retries_and_cancelling_refunds_it(
    pg_uow: UnitOfWorkFactory, pg_engine: AsyncEngine, fake_stripe: FakeStripe
) -> None:
    clock = FixedClock()
    event = await add_event(pg_uow, capacity=5, now=clock.now())
    [buyer] = await add_buyers(pg_uow, 1, clock.now())
    bookings = service(pg_uow, gateway(pg_engine, fake_stripe, clock), clock)
    held = await bookings.hold(buyer, event_id=event.id, quantity=2, idempotency_key="h1")
    confirms = fake_stripe.calls["POST /v1/payment_intents/{id}/confirm"]

    paid = await pay(bookings, buyer, held["id"], "p1", "pm_card_visa")
    again = await pay(bookings, buyer, held["id"], "p1", "pm_card_visa")

    reference = paid["payment"]["reference"]
    assert paid["status"] == "confirmed" and again == paid
    assert reference.startswith("pi_") and paid["payment"]["card_last4"] == "4242"
    assert fake_stripe.intents[reference]["status"] == "succeeded" and fake_stripe.intents[reference]["amount"] == 5000
    assert fake_stripe.calls["POST /v1/payment_intents/{id}/confirm"] == confirms + 1  # one charge
    cancelled = await bookings.cancel(buyer, booking_id=held["id"])
    assert cancelled["payment"]["status"] == "refunded"
    assert [r["amount"] for r in fake_stripe.refunds.values() if r["payment_intent"] == reference] == [5000]


async def test_declines_answer_the_contracts_codes_and_a_card_number_is_refused_before_stripe(
    pg_uow: UnitOfWorkFactory, pg_engine: AsyncEngine, fake_stripe: FakeStripe
) -> None:
    clock = FixedClock()
    event = await add_event(pg_uow, capacity=5, now=clock.now())
    [buyer] = await add_buyers(pg_uow, 1, clock.now())
    bookings = service(pg_uow, gateway(pg_engine, fake_stripe, clock), clock)
    held = await bookings.hold(buyer, event_id=event.id, quantity=1, idempotency_key="h1")
    cases = [
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
        ("pm_card_chargeDeclined", "card_declined"),
        ("pm_card_authenticationRequired", "authentication_required"),  # 3-D Secure: this checkout cannot do it
    ]
    for i, (method, code) in enumerate(cases):
        with pytest.raises(errors.PaymentDeclined) as refusal:
            await pay(bookings, buyer, held["id"], f"p{i}", method)
        assert refusal.value.code == code
    assert (await bookings.get(buyer, booking_id=held["id"]))["status"] == "pending"
    required = [i for i in fake_stripe.intents.values() if i["payment_method"] == "pm_card_authenticationRequired"]
    assert required and all(i["status"] == "canceled" for i in required)  # it cannot complete later

    with pytest.raises(errors.ValidationFailed) as invalid:
        await bookings.pay(
            buyer, booking_id=held["id"], card_number="4242424242424242", exp_month=12, exp_year=2099, cvc="123",
            idempotency_key="raw-card",
        )  # fmt: skip
    assert "payment_method" in invalid.value.details["fields"]


async def test_a_key_settled_before_its_charge_is_voided_and_the_late_charge_never_reaches_stripe(
    pg_engine: AsyncEngine, fake_stripe: FakeStripe
) -> None:
    stripe_gateway = gateway(pg_engine, fake_stripe, FixedClock())
    creates = fake_stripe.calls["POST /v1/payment_intents"]

    settled = await stripe_gateway.settle("never-charged:1")
    [late] = await stripe_gateway.charge_many([ChargeRequest("never-charged:1", 1000, "EUR", None, "pm_card_visa")])

    assert settled.declined and settled.decline_code == "voided"
    assert late.declined and late.decline_code == "voided"
    assert fake_stripe.calls["POST /v1/payment_intents"] == creates


async def test_a_charge_stripe_answers_late_is_processing_then_the_reconciler_confirms_it(
    pg_uow: UnitOfWorkFactory, pg_engine: AsyncEngine, fake_stripe: FakeStripe
) -> None:
    clock = FixedClock()
    event = await add_event(pg_uow, capacity=5, now=clock.now())
    [buyer] = await add_buyers(pg_uow, 1, clock.now())
    bookings = service(pg_uow, gateway(pg_engine, fake_stripe, clock, timeout_s=0.3), clock)
    held = await bookings.hold(buyer, event_id=event.id, quantity=1, idempotency_key="h1")

    with pytest.raises(errors.Timeout):
        await pay(bookings, buyer, held["id"], "p1", "pm_card_eventbook_slow")
    assert (await bookings.get(buyer, booking_id=held["id"]))["status"] == "pending"
    await asyncio.sleep(fake_stripe.slow_s + 0.5)  # Stripe finishes the charge meanwhile
    clock.advance(timedelta(seconds=60))  # past settle_after: no request can still be bringing it
    assert await bookings.settlement.reconcile() >= 1  # the database is shared: other tests may leave charges too

    confirmed = await bookings.get(buyer, booking_id=held["id"])
    assert confirmed["status"] == "confirmed"
    assert fake_stripe.intents[confirmed["payment"]["reference"]]["status"] == "succeeded"
