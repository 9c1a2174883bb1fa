"""Seat hoarding: the unpaid seats one buyer may hold, per event and over all events, whatever the number of holds."""

from typing import Any

import pytest

from domain import errors
from domain.accounts import Principal
from domain.catalog import CatalogService
from domain.holding import HoldRequest
from tests.unit.conftest import Answered, Hold, NewEvent, Pay


async def test_many_small_holds_cannot_take_more_than_the_per_event_cap(
    catalog: CatalogService, new_event: NewEvent, customer: Principal, hold: Hold
) -> None:
    event = await new_event(capacity=100)
    await hold(customer, event, quantity=4)
    await hold(customer, event, quantity=4)

    with pytest.raises(errors.RateLimited) as raised:
        await hold(customer, event, quantity=3)

    assert "At most 10 unpaid seats for one event" in raised.value.message
    assert raised.value.details == {"retry_after": 60}
    assert (await hold(customer, event, quantity=2))["quantity"] == 2  # exactly the cap is allowed
    assert (await catalog.get_event(event.id)).seats_available == 90


async def test_paid_seats_no_longer_count_against_the_cap(
    new_event: NewEvent, customer: Principal, hold: Hold, pay: Pay
) -> None:
    event = await new_event(capacity=100)
    first = await hold(customer, event, quantity=10)
    with pytest.raises(errors.RateLimited):
        await hold(customer, event, quantity=1)

    await pay(customer, first)

    assert (await hold(customer, event, quantity=10))["status"] == "pending"


async def test_the_overall_cap_spans_events(
    new_event: NewEvent, customer: Principal, other_customer: Principal, hold: Hold
) -> None:
    events = [await new_event(capacity=50) for _ in range(3)]
    await hold(customer, events[0], quantity=8)
    await hold(customer, events[1], quantity=8)

    with pytest.raises(errors.RateLimited) as raised:
        await hold(customer, events[2], quantity=8)

    assert "At most 20 unpaid seats at a time" in raised.value.message
    assert (await hold(other_customer, events[2], quantity=8))["quantity"] == 8  # the cap is per buyer


async def test_one_batch_counts_its_own_holds_of_a_buyer(
    bookings: Answered, catalog: CatalogService, new_event: NewEvent, customer: Principal, other_customer: Principal
) -> None:
    event = await new_event(capacity=100)
    requests = [HoldRequest(customer, event.id, 6, "a"), HoldRequest(customer, event.id, 6, "b")]
    requests.append(HoldRequest(other_customer, event.id, 6, "c"))

    answers: list[Any] = await bookings.service.hold_many(requests)

    assert [type(a).__name__ for a in answers] == ["Booking", "RateLimited", "Booking"]
    assert (await catalog.get_event(event.id)).seats_available == 88
