"""Idempotency keys: the same key and body give the first outcome again."""

import asyncio

import pytest

from domain import errors, idempotency
from domain.accounts import Principal
from domain.catalog import CatalogService
from domain.paying import PayRequest
from domain.ports import ChargeClaim
from tests.fakes import DECLINED_CARD, GOOD_CARD, FakeClock, FakeGateway, InMemoryStore, uow_factory
from tests.unit.conftest import Answered, Hold, NewEvent, Pay


async def test_a_replayed_hold_returns_the_first_booking_and_takes_no_more_seats(
    catalog: CatalogService, new_event: NewEvent, customer: Principal, hold: Hold
) -> None:
    event = await new_event(capacity=10)

    first = await hold(customer, event, quantity=3, key="k1")
    again = await hold(customer, event, quantity=3, key="k1")

    assert again == first
    assert (await catalog.get_event(event.id)).seats_available == 7


async def test_a_key_reused_with_another_body_is_refused(new_event: NewEvent, customer: Principal, hold: Hold) -> None:
    event = await new_event()
    await hold(customer, event, quantity=3, key="k1")

    with pytest.raises(errors.IdempotencyKeyReused) as raised:
        await hold(customer, event, quantity=4, key="k1")
    assert raised.value.code == "idempotency_key_reused"


async def test_keys_are_scoped_to_the_user(
    catalog: CatalogService, new_event: NewEvent, customer: Principal, other_customer: Principal, hold: Hold
) -> None:
    event = await new_event(capacity=10)

    mine = await hold(customer, event, quantity=1, key="same")
    theirs = await hold(other_customer, event, quantity=1, key="same")

    assert mine["id"] != theirs["id"]
    assert (await catalog.get_event(event.id)).seats_available == 8


async def test_a_sold_out_answer_is_replayed_even_after_seats_free_up(
    bookings: Answered, new_event: NewEvent, customer: Principal, other_customer: Principal, hold: Hold
) -> None:
    event = await new_event(capacity=2)
    blocking = await hold(other_customer, event, quantity=2)
    with pytest.raises(errors.SoldOut) as first:
        await hold(customer, event, quantity=1, key="k1")
    await bookings.cancel(other_customer, booking_id=blocking["id"])

    with pytest.raises(errors.SoldOut) as replayed:
        await hold(customer, event, quantity=1, key="k1")

    assert replayed.value == first.value
    assert (await hold(customer, event, quantity=1, key="k2"))["status"] == "pending"


async def test_a_rate_limited_hold_is_not_remembered_so_a_retry_may_succeed(
    new_event: NewEvent, customer: Principal, clock: FakeClock, hold: Hold
) -> None:
    event = await new_event()
    for _ in range(5):
        await hold(customer, event, quantity=1)
    with pytest.raises(errors.RateLimited):
        await hold(customer, event, quantity=1, key="k1")
    clock.advance(minutes=10)

    assert (await hold(customer, event, quantity=1, key="k1"))["status"] == "pending"


async def test_a_replayed_payment_returns_the_first_confirmation_without_charging_again(
    new_event: NewEvent, customer: Principal, gateway: FakeGateway, hold: Hold, pay: Pay
) -> None:
    booking = await hold(customer, await new_event())

    first = await pay(customer, booking, key="p1")
    again = await pay(customer, booking, key="p1")

    assert again == first
    assert len(gateway.calls) == 1


async def test_a_replayed_decline_is_the_same_decline_without_asking_the_gateway_again(
    new_event: NewEvent, customer: Principal, gateway: FakeGateway, hold: Hold, pay: Pay
) -> None:
    booking = await hold(customer, await new_event())
    with pytest.raises(errors.PaymentDeclined) as first:
        await pay(customer, booking, card=DECLINED_CARD, key="p1")

    with pytest.raises(errors.PaymentDeclined) as replayed:
        await pay(customer, booking, card=DECLINED_CARD, key="p1")

    assert replayed.value == first.value and replayed.value.code == "card_declined"
    assert len(gateway.calls) == 1


async def test_a_request_still_running_makes_a_duplicate_wait_its_turn(
    bookings: Answered, new_event: NewEvent, customer: Principal, gateway: FakeGateway, hold: Hold, pay: Pay
) -> None:
    booking = await hold(customer, await new_event())
    gateway.gate = asyncio.Event()
    first = asyncio.create_task(pay(customer, booking, key="p1"))
    await gateway.arrived.wait()  # the first request is at the gateway now

    with pytest.raises(errors.IdempotencyInProgress) as raised:
        await pay(customer, booking, key="p1")
    assert raised.value.code == "idempotency_in_progress"

    gateway.gate.set()
    confirmed = await first
    assert await pay(customer, booking, key="p1") == confirmed
    assert len(gateway.succeeded()) == 1


async def test_a_lost_payment_gives_up_its_key_once_the_lease_runs_out(
    store: InMemoryStore, new_event: NewEvent, customer: Principal, clock: FakeClock, gateway: FakeGateway,
    hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    booking = await hold(customer, await new_event(), quantity=1)
    request = PayRequest(booking["id"], GOOD_CARD, 12, 2031, "123", "k1")
    async with uow_factory(store)(autocommit=True) as uow:  # a replica took the key and named the charge, then died
        claim = idempotency.stored(customer.user_id, "k1", request.request_hash, None, clock.now())
        claims = [ChargeClaim(booking["id"], customer.user_id, request.charge_key, claim)]
        assert (await uow.bookings.start_charges(claims))[0].started

    with pytest.raises(errors.IdempotencyInProgress):
        await pay(customer, booking, key="k1")
    clock.advance(idempotency.LEASE)

    assert (await pay(customer, booking, key="k1"))["status"] == "confirmed"
    assert len(gateway.succeeded()) == 1


async def test_a_key_not_committed_stays_free(store: InMemoryStore, clock: FakeClock) -> None:
    now = clock.now()
    async with uow_factory(store)() as uow:
        assert await uow.idempotency.remember(idempotency.stored("u1", "k1", "hash", None, now))

    async with uow_factory(store)() as uow:
        assert await uow.idempotency.remember(idempotency.stored("u1", "k1", "other-hash", None, now))
        assert not await uow.idempotency.remember(idempotency.stored("u1", "k1", "hash", None, now))


def test_the_fingerprint_ignores_key_order_but_not_values() -> None:
    a = idempotency.fingerprint("hold", {"event_id": "e1", "quantity": 2})
    b = idempotency.fingerprint("hold", {"quantity": 2, "event_id": "e1"})

    assert a == b
    assert a != idempotency.fingerprint("hold", {"event_id": "e1", "quantity": 3})
    assert a != idempotency.fingerprint("pay", {"event_id": "e1", "quantity": 2})


def test_timeouts_and_outages_are_not_final_answers() -> None:
    assert not idempotency.is_final(errors.Timeout())
    assert not idempotency.is_final(errors.Overloaded())
    assert idempotency.is_final(errors.SoldOut())
    assert idempotency.is_final(errors.PaymentDeclined(code="insufficient_funds"))
