"""Paying for a hold: charge, confirm, and every way a charge can go wrong."""

import pytest

from domain import errors
from domain.accounts import Principal
from domain.catalog import CatalogService
from tests.fakes import (
    DECLINED_CARD,
    GOOD_CARD,
    NO_FUNDS_CARD,
    SLOW_CARD,
    FakeClock,
    FakeGateway,
    Overload,
    Succeed,
    TimeOutBeforeArriving,
)
from tests.unit.conftest import Answered, Hold, NewEvent, Pay


async def test_paying_confirms_the_booking_with_its_payment_and_a_receipt_number(
    bookings: Answered, new_event: NewEvent, customer: Principal, gateway: FakeGateway, hold: Hold, pay: Pay
) -> None:
    event = await new_event(price_cents=2500)
    booking = await hold(customer, event, quantity=2)

    paid = await pay(customer, booking, card="4242 4242 4242 4242")

    assert paid["status"] == "confirmed" and paid["confirmed_at"] is not None
    payment = paid["payment"]
    assert (payment["status"], payment["amount_cents"], payment["currency"], payment["card_last4"]) == (
        "succeeded", 5000, "EUR", "4242",
    )  # fmt: skip
    [charge] = gateway.succeeded()
    assert (charge.amount_cents, charge.result.reference) == (5000, payment["reference"])
    receipt = await bookings.receipt(customer, booking_id=booking["id"])
    assert receipt["receipt_number"].startswith("EB-20300101-")
    assert receipt["payment_reference"] == payment["reference"]


@pytest.mark.parametrize(("card", "code"), [(DECLINED_CARD, "card_declined"), (NO_FUNDS_CARD, "insufficient_funds")])
async def test_a_declined_card_keeps_the_booking_pending_and_its_seats_held(
    bookings: Answered, catalog: CatalogService, new_event: NewEvent, customer: Principal,
    hold: Hold, pay: Pay, card: str, code: str,
) -> None:  # fmt: skip
    event = await new_event(capacity=10)
    booking = await hold(customer, event, quantity=4)

    with pytest.raises(errors.PaymentDeclined) as raised:
        await pay(customer, booking, card=card)

    assert raised.value.code == code
    assert (await bookings.get(customer, booking_id=booking["id"]))["status"] == "pending"
    assert (await catalog.get_event(event.id)).seats_available == 6


async def test_after_a_decline_another_card_may_pay(
    new_event: NewEvent, customer: Principal, gateway: FakeGateway, hold: Hold, pay: Pay
) -> None:
    booking = await hold(customer, await new_event())
    with pytest.raises(errors.PaymentDeclined):
        await pay(customer, booking, card=DECLINED_CARD)

    paid = await pay(customer, booking, card=GOOD_CARD)

    assert paid["status"] == "confirmed"
    assert len(gateway.succeeded()) == 1


async def test_an_expired_hold_cannot_be_paid_and_nothing_is_charged(
    new_event: NewEvent, customer: Principal, clock: FakeClock, gateway: FakeGateway, hold: Hold, pay: Pay
) -> None:
    booking = await hold(customer, await new_event())
    clock.advance(minutes=10)

    with pytest.raises(errors.HoldExpired):
        await pay(customer, booking)
    assert gateway.calls == []


async def test_a_booking_cannot_be_paid_twice(
    new_event: NewEvent, customer: Principal, gateway: FakeGateway, hold: Hold, pay: Pay
) -> None:
    booking = await hold(customer, await new_event())
    await pay(customer, booking, key="first")

    with pytest.raises(errors.BookingNotPending) as raised:
        await pay(customer, booking, key="second")

    assert raised.value.details == {"status": "confirmed"}
    assert len(gateway.succeeded()) == 1


async def test_an_invalid_card_is_refused_before_the_gateway_is_called(
    bookings: Answered, new_event: NewEvent, customer: Principal, gateway: FakeGateway, hold: Hold, pay: Pay
) -> None:
    booking = await hold(customer, await new_event())

    with pytest.raises(errors.ValidationFailed) as raised:
        await pay(customer, booking, card="4242 4242 4242 4241")

    assert "card_number" in raised.value.details["fields"]
    assert gateway.calls == []
    assert (await bookings.get(customer, booking_id=booking["id"]))["status"] == "pending"


async def test_someone_elses_booking_cannot_be_paid(
    new_event: NewEvent, customer: Principal, other_customer: Principal, gateway: FakeGateway, hold: Hold, pay: Pay
) -> None:
    booking = await hold(customer, await new_event())

    with pytest.raises(errors.NotFound):
        await pay(other_customer, booking)
    assert gateway.calls == []


async def test_a_timed_out_charge_is_confirmed_by_a_retry_with_the_same_key_without_a_second_charge(
    bookings: Answered, catalog: CatalogService, new_event: NewEvent, customer: Principal,
    gateway: FakeGateway, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event = await new_event(capacity=10)
    booking = await hold(customer, event, quantity=2)

    with pytest.raises(errors.Timeout) as raised:
        await pay(customer, booking, card=SLOW_CARD, key="pay-once")
    assert raised.value.code == "timeout"
    assert (await bookings.get(customer, booking_id=booking["id"]))["status"] == "pending"
    assert (await catalog.get_event(event.id)).seats_available == 8

    paid = await pay(customer, booking, card=SLOW_CARD, key="pay-once")

    assert paid["status"] == "confirmed"
    assert len(gateway.succeeded()) == 1
    assert paid["payment"]["reference"] == gateway.succeeded()[0].result.reference


async def test_a_retry_under_a_new_key_after_a_timeout_settles_the_first_charge_instead_of_charging_again(
    new_event: NewEvent, customer: Principal, clock: FakeClock, gateway: FakeGateway, hold: Hold, pay: Pay
) -> None:
    booking = await hold(customer, await new_event())
    with pytest.raises(errors.Timeout):
        await pay(customer, booking, card=SLOW_CARD, key="first")

    # While the first request could still be bringing its charge, another key waits its turn (never voids it).
    with pytest.raises(errors.PaymentInProgress):
        await pay(customer, booking, card=GOOD_CARD, key="second")
    clock.advance(seconds=10)  # the settle delay: no request can still be on its way

    with pytest.raises(errors.BookingNotPending):
        await pay(customer, booking, card=GOOD_CARD, key="second")
    assert len(gateway.succeeded()) == 1


async def test_a_timed_out_charge_may_still_be_retried_after_the_hold_expires(
    new_event: NewEvent, customer: Principal, clock: FakeClock, gateway: FakeGateway, hold: Hold, pay: Pay
) -> None:
    booking = await hold(customer, await new_event())
    with pytest.raises(errors.Timeout):
        await pay(customer, booking, card=SLOW_CARD, key="pay-once")
    clock.advance(minutes=15)

    assert (await pay(customer, booking, card=SLOW_CARD, key="pay-once"))["status"] == "confirmed"
    assert len(gateway.succeeded()) == 1


async def test_an_overloaded_gateway_leaves_the_hold_payable_again(
    bookings: Answered, new_event: NewEvent, customer: Principal, gateway: FakeGateway, hold: Hold, pay: Pay
) -> None:
    booking = await hold(customer, await new_event())
    gateway.program(GOOD_CARD, Overload())

    with pytest.raises(errors.Overloaded) as raised:
        await pay(customer, booking, key="pay-1")
    assert raised.value.code == "overloaded"
    assert gateway.charges == {}

    gateway.program(GOOD_CARD, Succeed())
    paid = await pay(customer, booking, key="pay-1")  # the key was not spent on a refusal

    assert paid["status"] == "confirmed"
    assert len(gateway.succeeded()) == 1


async def test_a_charge_lost_on_the_way_is_voided_so_a_new_key_charges_exactly_once(
    new_event: NewEvent, customer: Principal, clock: FakeClock, gateway: FakeGateway, hold: Hold, pay: Pay
) -> None:
    booking = await hold(customer, await new_event())
    gateway.program(GOOD_CARD, TimeOutBeforeArriving())
    with pytest.raises(errors.Timeout):
        await pay(customer, booking, key="first")
    gateway.program(GOOD_CARD, Succeed())
    with pytest.raises(errors.PaymentInProgress):
        await pay(customer, booking, key="second")
    clock.advance(seconds=10)

    paid = await pay(customer, booking, key="second")

    assert paid["status"] == "confirmed"
    assert len(gateway.succeeded()) == 1
    assert len(gateway.voided) == 1  # the first key can no longer land a charge
    with pytest.raises(errors.BookingNotPending):
        await pay(customer, booking, key="first")
    assert len(gateway.succeeded()) == 1
