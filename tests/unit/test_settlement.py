"""Background settlement: the reaper, the reconciler and the key purge."""

import asyncio
from datetime import timedelta

import pytest

from domain import errors
from domain.accounts import Principal
from domain.catalog import CatalogService
from domain.settlement import Settlement
from tests.fakes import GOOD_CARD, SLOW_CARD, FakeClock, FakeGateway, InMemoryStore, TimeOutBeforeArriving
from tests.unit.conftest import Answered, Hold, NewEvent, Pay


async def test_the_reaper_releases_expired_holds_and_leaves_live_ones(
    bookings: Answered, catalog: CatalogService, settlement: Settlement, new_event: NewEvent,
    customer: Principal, clock: FakeClock, hold: Hold,
) -> None:  # fmt: skip
    event = await new_event(capacity=10)
    old = await hold(customer, event, quantity=3)
    clock.advance(minutes=6)
    fresh = await hold(customer, event, quantity=2)
    clock.advance(minutes=4)  # the first hold is exactly at its expiry now

    assert await settlement.reap_expired() == 1

    assert (await bookings.get(customer, booking_id=old["id"]))["status"] == "expired"
    assert (await bookings.get(customer, booking_id=fresh["id"]))["status"] == "pending"
    assert (await catalog.get_event(event.id)).seats_available == 8


async def test_expired_holds_are_released_exactly_once_however_many_reapers_run(
    catalog: CatalogService, settlement: Settlement, new_event: NewEvent, customer: Principal,
    other_customer: Principal, clock: FakeClock, hold: Hold,
) -> None:  # fmt: skip
    event = await new_event(capacity=10)
    for who in (customer, other_customer):
        await hold(who, event, quantity=2)
        await hold(who, event, quantity=1)
    clock.advance(minutes=10)

    reaped = await asyncio.gather(*(settlement.reap_expired() for _ in range(4)))
    reaped_again = await settlement.reap_expired()

    assert sum(reaped) == 4 and reaped_again == 0
    assert (await catalog.get_event(event.id)).seats_available == 10


async def test_the_reaper_works_in_batches(
    settlement: Settlement, new_event: NewEvent, customer: Principal, clock: FakeClock, hold: Hold
) -> None:
    event = await new_event()
    for _ in range(3):
        await hold(customer, event, quantity=1)
    clock.advance(minutes=10)

    assert [await settlement.reap_expired(limit=2) for _ in range(3)] == [2, 1, 0]


async def test_a_hold_with_a_charge_in_flight_is_not_reaped(
    bookings: Answered, catalog: CatalogService, settlement: Settlement, new_event: NewEvent,
    customer: Principal, clock: FakeClock, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event = await new_event(capacity=10)
    booking = await hold(customer, event, quantity=2)
    with pytest.raises(errors.Timeout):
        await pay(customer, booking, card=SLOW_CARD)
    clock.advance(minutes=30)

    assert await settlement.reap_expired() == 0
    assert (await bookings.get(customer, booking_id=booking["id"]))["status"] == "pending"
    assert (await catalog.get_event(event.id)).seats_available == 8


async def test_reconcile_confirms_a_charge_that_succeeded_after_a_timeout_even_past_expiry(
    bookings: Answered, catalog: CatalogService, settlement: Settlement, new_event: NewEvent,
    customer: Principal, clock: FakeClock, gateway: FakeGateway, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event = await new_event(capacity=10)
    booking = await hold(customer, event, quantity=2)
    with pytest.raises(errors.Timeout):
        await pay(customer, booking, card=SLOW_CARD, key="pay-once")
    clock.advance(minutes=30)
    await settlement.reap_expired()

    assert await settlement.reconcile() == 1

    confirmed = await bookings.get(customer, booking_id=booking["id"])
    assert confirmed["status"] == "confirmed"
    assert confirmed["payment"]["reference"] == gateway.succeeded()[0].result.reference
    assert (await catalog.get_event(event.id)).seats_available == 8
    # The client's retry after the reconciler got there first gets the confirmed booking, not a second charge.
    retried = await pay(customer, booking, card=SLOW_CARD, key="pay-once")
    assert retried["status"] == "confirmed"
    assert len(gateway.succeeded()) == 1


async def test_reconcile_expires_and_releases_a_hold_whose_charge_never_reached_the_gateway(
    bookings: Answered, catalog: CatalogService, settlement: Settlement, new_event: NewEvent,
    customer: Principal, clock: FakeClock, gateway: FakeGateway, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event = await new_event(capacity=10)
    booking = await hold(customer, event, quantity=2)
    gateway.program(GOOD_CARD, TimeOutBeforeArriving())
    with pytest.raises(errors.Timeout):
        await pay(customer, booking, key="lost")
    clock.advance(minutes=11)
    assert await settlement.reap_expired() == 0  # the outcome is unknown until the gateway is asked

    await settlement.reconcile()

    assert (await bookings.get(customer, booking_id=booking["id"]))["status"] == "expired"
    assert (await catalog.get_event(event.id)).seats_available == 10
    assert gateway.succeeded() == []
    assert len(gateway.voided) == 1  # a charge arriving late under that key is refused


async def test_reconcile_clears_a_lost_charge_on_a_live_hold_so_it_can_be_paid(
    bookings: Answered, settlement: Settlement, new_event: NewEvent, customer: Principal,
    clock: FakeClock, gateway: FakeGateway, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    booking = await hold(customer, await new_event())
    gateway.program("4111111111111111", TimeOutBeforeArriving())
    with pytest.raises(errors.Timeout):
        await pay(customer, booking, card="4111111111111111")
    clock.advance(seconds=30)

    await settlement.reconcile()

    assert (await bookings.get(customer, booking_id=booking["id"]))["status"] == "pending"
    assert (await pay(customer, booking, card=GOOD_CARD))["status"] == "confirmed"


async def test_reconcile_leaves_charges_younger_than_the_settle_delay_to_their_request(
    settlement: Settlement, new_event: NewEvent, customer: Principal, clock: FakeClock,
    gateway: FakeGateway, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    booking = await hold(customer, await new_event())
    with pytest.raises(errors.Timeout):
        await pay(customer, booking, card=SLOW_CARD)
    clock.advance(seconds=5)

    assert await settlement.reconcile() == 0
    assert gateway.voided == set()


async def test_reconcile_with_nothing_to_do_touches_nothing(
    settlement: Settlement, store: InMemoryStore, gateway: FakeGateway
) -> None:
    commits = store.commits

    assert await settlement.reconcile() == 0
    assert store.commits == commits and gateway.calls == []


async def test_old_idempotency_keys_are_purged_and_recent_ones_kept(
    bookings: Answered, settlement: Settlement, new_event: NewEvent, customer: Principal,
    clock: FakeClock, store: InMemoryStore,
) -> None:  # fmt: skip
    event = await new_event()
    await bookings.hold(customer, event_id=event.id, quantity=1, idempotency_key="old")
    clock.advance(hours=30)
    await bookings.hold(customer, event_id=event.id, quantity=1, idempotency_key="new")

    assert await settlement.purge_idempotency_keys(timedelta(hours=24)) == 1

    assert set(store.tables["idempotency"]) == {(customer.user_id, "new")}
