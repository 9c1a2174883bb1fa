"""Holding seats: the seat decision, its limits, and the last seat."""

import asyncio
from datetime import timedelta

import pytest

from domain import errors
from domain.accounts import Principal
from domain.booking import BookingService
from domain.catalog import CatalogService
from domain.model import BookingPolicy, EventStatus
from tests.fakes import FakeClock, FakeGateway, InMemoryStore, uow_factory
from tests.unit.conftest import Answered, Hold, NewEvent, SignUp


async def test_a_hold_takes_seats_until_it_expires(
    catalog: CatalogService, new_event: NewEvent, customer: Principal, clock: FakeClock, hold: Hold
) -> None:
    event = await new_event(capacity=10, price_cents=2500)

    booking = await hold(customer, event, quantity=3)

    assert booking["status"] == "pending"
    assert (booking["quantity"], booking["amount_cents"], booking["currency"]) == (3, 7500, "EUR")
    assert booking["user_id"] == customer.user_id and booking["payment"] is None
    assert booking["expires_at"] == (clock.now() + timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    assert (await catalog.get_event(event.id)).seats_available == 7


async def test_sold_out_says_how_many_seats_are_left(
    catalog: CatalogService, new_event: NewEvent, customer: Principal, other_customer: Principal, hold: Hold
) -> None:
    event = await new_event(capacity=5)
    await hold(customer, event, quantity=2)

    with pytest.raises(errors.SoldOut) as raised:
        await hold(other_customer, event, quantity=4)

    assert raised.value.code == "sold_out"
    assert raised.value.message == "Only 3 seats are left for this event."
    assert raised.value.details == {"seats_available": 3}
    assert (await catalog.get_event(event.id)).seats_available == 3


@pytest.mark.parametrize("quantity", [0, -1, 11])
async def test_quantity_must_be_between_one_and_the_per_order_maximum(
    new_event: NewEvent, customer: Principal, hold: Hold, quantity: int
) -> None:
    event = await new_event()

    with pytest.raises(errors.ValidationFailed) as raised:
        await hold(customer, event, quantity=quantity)
    assert raised.value.details == {"fields": {"quantity": "out of range"}}


async def test_the_per_order_maximum_itself_is_allowed(new_event: NewEvent, customer: Principal, hold: Hold) -> None:
    event = await new_event()

    assert (await hold(customer, event, quantity=10))["quantity"] == 10


async def test_too_many_open_holds_are_rate_limited(
    catalog: CatalogService, new_event: NewEvent, customer: Principal, hold: Hold
) -> None:
    event = await new_event(capacity=100)
    for _ in range(5):
        await hold(customer, event, quantity=1)

    with pytest.raises(errors.RateLimited) as raised:
        await hold(customer, event, quantity=1)

    assert raised.value.details == {"retry_after": 60}
    assert (await catalog.get_event(event.id)).seats_available == 95


async def test_expired_holds_no_longer_count_against_the_limit(
    new_event: NewEvent, customer: Principal, clock: FakeClock, hold: Hold
) -> None:
    event = await new_event()
    for _ in range(5):
        await hold(customer, event, quantity=1)
    clock.advance(minutes=10)

    assert (await hold(customer, event, quantity=1))["status"] == "pending"


async def test_a_draft_event_cannot_be_held_even_by_its_organizer(
    new_event: NewEvent, organizer: Principal, hold: Hold
) -> None:
    event = await new_event(status=EventStatus.DRAFT)

    with pytest.raises(errors.NotFound):
        await hold(organizer, event)


async def test_an_unknown_event_is_not_found(bookings: Answered, customer: Principal) -> None:
    with pytest.raises(errors.NotFound):
        await bookings.hold(customer, event_id="no-such-event", quantity=1, idempotency_key="k")


async def test_an_event_that_has_ended_is_not_on_sale(
    new_event: NewEvent, customer: Principal, clock: FakeClock, hold: Hold
) -> None:
    event = await new_event(starts_at=clock.now() + timedelta(hours=1))
    clock.advance(hours=5)

    with pytest.raises(errors.EventNotOnSale):
        await hold(customer, event)


async def test_a_cancelled_event_cannot_be_held(
    catalog: CatalogService, new_event: NewEvent, organizer: Principal, customer: Principal, hold: Hold
) -> None:
    event = await new_event()
    await catalog.cancel_event(organizer, event.id)

    with pytest.raises(errors.EventCancelled):
        await hold(customer, event)


async def test_an_invalid_idempotency_key_is_refused(
    bookings: Answered, new_event: NewEvent, customer: Principal
) -> None:
    event = await new_event()

    for key in ("", "x" * 256, "line\nbreak"):
        with pytest.raises(errors.ValidationFailed):
            await bookings.hold(customer, event_id=event.id, quantity=1, idempotency_key=key)


async def test_last_seat_goes_to_exactly_one_buyer(
    catalog: CatalogService, new_event: NewEvent, sign_up: SignUp, hold: Hold
) -> None:
    event = await new_event(capacity=1)
    buyers = [await sign_up(f"buyer{i}@example.com") for i in range(20)]

    outcomes = await asyncio.gather(*(hold(b, event, quantity=1) for b in buyers), return_exceptions=True)

    winners = [o for o in outcomes if isinstance(o, dict)]
    assert len(winners) == 1
    assert all(isinstance(o, errors.SoldOut) for o in outcomes if not isinstance(o, dict))
    assert (await catalog.get_event(event.id)).seats_available == 0


async def test_concurrent_buyers_never_oversell_a_popular_event(
    catalog: CatalogService, new_event: NewEvent, sign_up: SignUp, hold: Hold
) -> None:
    event = await new_event(capacity=25)
    buyers = [await sign_up(f"fan{i}@example.com") for i in range(30)]

    outcomes = await asyncio.gather(*(hold(b, event, quantity=2) for b in buyers), return_exceptions=True)

    sold = sum(o["quantity"] for o in outcomes if isinstance(o, dict))
    assert sold == 24  # twelve pairs; the odd seat cannot be sold as a pair
    assert (await catalog.get_event(event.id)).seats_available == 1


async def test_hold_length_and_limits_follow_the_policy(
    store: InMemoryStore, gateway: FakeGateway, clock: FakeClock, new_event: NewEvent, customer: Principal
) -> None:
    strict = Answered(BookingService(
        uow=uow_factory(store), gateway=gateway, clock=clock,
        policy=BookingPolicy(hold_minutes=2, max_per_order=2, max_open_holds_per_user=1),
    ))  # fmt: skip
    event = await new_event()

    booking = await strict.hold(customer, event_id=event.id, quantity=2, idempotency_key="a")
    with pytest.raises(errors.ValidationFailed):
        await strict.hold(customer, event_id=event.id, quantity=3, idempotency_key="b")
    with pytest.raises(errors.RateLimited):
        await strict.hold(customer, event_id=event.id, quantity=1, idempotency_key="c")

    assert booking["expires_at"] == (clock.now() + timedelta(minutes=2)).isoformat().replace("+00:00", "Z")
