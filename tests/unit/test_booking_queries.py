"""Reading bookings: one, all of one's own newest first, and the receipt."""

import pytest

from domain import errors
from domain.accounts import Principal
from tests.fakes import FakeClock
from tests.unit.conftest import Answered, Hold, NewEvent, Pay


async def test_a_booking_is_shown_to_its_owner_only(
    bookings: Answered, new_event: NewEvent, customer: Principal, other_customer: Principal, hold: Hold
) -> None:
    booking = await hold(customer, await new_event())

    assert await bookings.get(customer, booking_id=booking["id"]) == booking
    with pytest.raises(errors.NotFound):
        await bookings.get(other_customer, booking_id=booking["id"])


async def test_listing_shows_only_ones_own_bookings_newest_first_across_pages(
    bookings: Answered, new_event: NewEvent, customer: Principal, other_customer: Principal,
    clock: FakeClock, hold: Hold,
) -> None:  # fmt: skip
    event = await new_event()
    mine = []
    for _ in range(5):
        mine.append(await hold(customer, event, quantity=1))
        await hold(other_customer, event, quantity=1)
        clock.advance(seconds=1)

    first = await bookings.list(customer, limit=3)
    second = await bookings.list(customer, limit=3, cursor=first.next_cursor)

    assert [b["id"] for b in first.items + second.items] == [b["id"] for b in reversed(mine)]
    assert second.next_cursor is None


async def test_bookings_made_in_the_same_instant_are_paged_without_gaps_or_repeats(
    bookings: Answered, new_event: NewEvent, customer: Principal, hold: Hold, clock: FakeClock
) -> None:
    event = await new_event()
    made = [await hold(customer, event, quantity=1) for _ in range(5)]  # same created_at: id breaks ties
    clock.advance(minutes=30)  # let the holds lapse so the limit on open holds does not get in the way
    made += [await hold(customer, event, quantity=1) for _ in range(2)]

    seen: list[str] = []
    cursor = None
    while True:
        page = await bookings.list(customer, limit=2, cursor=cursor)
        seen += [b["id"] for b in page.items]
        if (cursor := page.next_cursor) is None:
            break

    assert sorted(seen) == sorted(b["id"] for b in made)
    assert len(seen) == len(set(seen))


async def test_a_receipt_exists_only_for_a_confirmed_booking(
    bookings: Answered, new_event: NewEvent, customer: Principal, hold: Hold, pay: Pay
) -> None:
    event = await new_event(price_cents=900)
    booking = await hold(customer, event, quantity=2)

    with pytest.raises(errors.BookingNotConfirmed) as raised:
        await bookings.receipt(customer, booking_id=booking["id"])
    assert raised.value.details == {"status": "pending"}

    paid = await pay(customer, booking)
    receipt = await bookings.receipt(customer, booking_id=booking["id"])

    assert receipt["booking_id"] == booking["id"]
    assert (receipt["quantity"], receipt["amount_cents"], receipt["currency"]) == (2, 1800, "EUR")
    assert receipt["event"]["id"] == event.id
    assert receipt["payment_reference"] == paid["payment"]["reference"]


async def test_someone_elses_receipt_is_not_found(
    bookings: Answered, new_event: NewEvent, customer: Principal, other_customer: Principal,
    hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    paid = await pay(customer, await hold(customer, await new_event()))

    with pytest.raises(errors.NotFound):
        await bookings.receipt(other_customer, booking_id=paid["id"])


async def test_a_refunded_booking_has_no_receipt(
    bookings: Answered, new_event: NewEvent, customer: Principal, hold: Hold, pay: Pay
) -> None:
    paid = await pay(customer, await hold(customer, await new_event()))
    await bookings.cancel(customer, booking_id=paid["id"])

    with pytest.raises(errors.BookingNotConfirmed):
        await bookings.receipt(customer, booking_id=paid["id"])
