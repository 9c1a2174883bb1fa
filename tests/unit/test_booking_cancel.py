"""Cancelling a booking: a hold gives its seats back; a paid booking is refunded first."""

import pytest

from domain import errors
from domain.accounts import Principal
from domain.catalog import CatalogService
from domain.settlement import Settlement
from tests.fakes import SLOW_CARD, FakeClock, FakeGateway
from tests.unit.conftest import Answered, Hold, NewEvent, Pay


async def test_cancelling_a_pending_booking_releases_its_seats(
    bookings: Answered, catalog: CatalogService, new_event: NewEvent, customer: Principal, hold: Hold
) -> None:
    event = await new_event(capacity=10)
    booking = await hold(customer, event, quantity=3)

    cancelled = await bookings.cancel(customer, booking_id=booking["id"])

    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"] is not None
    assert (await catalog.get_event(event.id)).seats_available == 10


async def test_cancelling_a_confirmed_booking_refunds_it_and_releases_its_seats(
    bookings: Answered, catalog: CatalogService, new_event: NewEvent, customer: Principal,
    gateway: FakeGateway, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event = await new_event(capacity=10, price_cents=1200)
    paid = await pay(customer, await hold(customer, event, quantity=2))

    cancelled = await bookings.cancel(customer, booking_id=paid["id"])

    assert cancelled["status"] == "cancelled"
    assert cancelled["payment"]["status"] == "refunded"
    [refund] = gateway.refunds.values()
    assert (refund.charge_reference, refund.amount_cents) == (paid["payment"]["reference"], 2400)
    assert (await catalog.get_event(event.id)).seats_available == 10


async def test_cancelling_twice_returns_the_cancelled_booking_and_refunds_once(
    bookings: Answered, catalog: CatalogService, new_event: NewEvent, customer: Principal,
    gateway: FakeGateway, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event = await new_event(capacity=10)
    paid = await pay(customer, await hold(customer, event, quantity=2))

    first = await bookings.cancel(customer, booking_id=paid["id"])
    second = await bookings.cancel(customer, booking_id=paid["id"])

    assert first == second
    assert len(gateway.refunds) == 1
    assert (await catalog.get_event(event.id)).seats_available == 10


async def test_someone_elses_booking_cannot_be_cancelled_and_is_not_revealed(
    bookings: Answered, new_event: NewEvent, customer: Principal, other_customer: Principal, hold: Hold
) -> None:
    booking = await hold(customer, await new_event())

    with pytest.raises(errors.NotFound):
        await bookings.cancel(other_customer, booking_id=booking["id"])
    with pytest.raises(errors.NotFound):
        await bookings.cancel(other_customer, booking_id="no-such-booking")
    assert (await bookings.get(customer, booking_id=booking["id"]))["status"] == "pending"


async def test_an_expired_hold_cannot_be_cancelled(
    bookings: Answered, settlement: Settlement, new_event: NewEvent, customer: Principal,
    clock: FakeClock, hold: Hold,
) -> None:  # fmt: skip
    booking = await hold(customer, await new_event())
    clock.advance(minutes=11)
    await settlement.reap_expired()

    with pytest.raises(errors.BookingNotPending) as raised:
        await bookings.cancel(customer, booking_id=booking["id"])
    assert raised.value.details == {"status": "expired"}


async def test_cancelling_while_a_charge_is_in_flight_settles_it_then_refunds(
    bookings: Answered, catalog: CatalogService, new_event: NewEvent, customer: Principal,
    gateway: FakeGateway, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event = await new_event(capacity=10)
    booking = await hold(customer, event, quantity=2)
    with pytest.raises(errors.Timeout):
        await pay(customer, booking, card=SLOW_CARD)

    cancelled = await bookings.cancel(customer, booking_id=booking["id"])

    assert cancelled["status"] == "cancelled"
    assert cancelled["payment"]["status"] == "refunded"
    assert len(gateway.succeeded()) == 1 and len(gateway.refunds) == 1
    assert (await catalog.get_event(event.id)).seats_available == 10


async def test_a_cancelled_booking_cannot_be_paid(
    bookings: Answered, new_event: NewEvent, customer: Principal, gateway: FakeGateway, hold: Hold, pay: Pay
) -> None:
    booking = await hold(customer, await new_event())
    await bookings.cancel(customer, booking_id=booking["id"])

    with pytest.raises(errors.BookingNotPending):
        await pay(customer, booking)
    assert gateway.calls == []
