"""The waiting list of a sold-out event: seats that come back are held for the first entries that fit, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from domain import errors
from domain.accounts import Principal
from domain.catalog import CatalogService
from domain.messages import WAITLIST_OFFERED
from domain.model import Event, EventStatus
from domain.notifications import Email, NotificationService
from domain.settlement import Settlement
from domain.waitlist import WaitlistView
from tests.fakes import FakeClock, FakeGateway, InMemoryStore, uow_factory
from tests.unit.conftest import Answered, Hold, NewEvent, Pay, SignUp

HOLD_TIME = timedelta(minutes=10)


Join = Callable[..., Awaitable[WaitlistView]]


@pytest.fixture
def join(bookings: Answered, clock: FakeClock) -> Join:
    """Join the waiting list; a second passes after each join, so the order of joins is the order of the list."""

    async def join(who: Principal, event: Event, quantity: int = 1) -> WaitlistView:
        joined = await bookings.service.waitlist_join(who, event_id=event.id, quantity=quantity)
        clock.advance(seconds=1)
        return joined.view

    return join


async def entry(bookings: Answered, who: Principal, event: Event) -> WaitlistView:
    return await bookings.service.waitlist_get(who, event_id=event.id)


async def seats(catalog: CatalogService, event: Event) -> int:
    return (await catalog.get_event(event.id)).seats_available


@pytest.fixture
async def waiters(sign_up: SignUp) -> list[Principal]:
    return [await sign_up(f"waiter{i}@example.com") for i in range(4)]


async def test_a_cancelled_hold_is_offered_to_the_first_entries_in_the_order_they_joined(
    bookings: Answered, join: Join, catalog: CatalogService, new_event: NewEvent, customer: Principal,
    waiters: list[Principal], hold: Hold, store: InMemoryStore, clock: FakeClock,
) -> None:  # fmt: skip
    event = await new_event(capacity=2)
    taken = await hold(customer, event, quantity=2)
    for who in waiters[:3]:
        await join(who, event)
    assert [(await entry(bookings, w, event)).position for w in waiters[:3]] == [1, 2, 3]

    await bookings.cancel(customer, booking_id=taken["id"])

    first, second, third = [await entry(bookings, w, event) for w in waiters[:3]]
    assert (first.status, second.status, third.status) == ("offered", "offered", "waiting")
    assert (first.position, second.position, third.position) == (None, None, 1)
    assert first.offer is not None and second.offer is not None
    assert first.offer.user_id == waiters[0].user_id and first.offer.status.value == "pending"
    assert first.offer.expires_at == clock.now() + HOLD_TIME
    assert await seats(catalog, event) == 0
    offered = [m for m in store.tables["outbox"].values() if m.topic == WAITLIST_OFFERED]
    assert sorted(m.payload["booking_id"] for m in offered) == sorted([first.offer.id, second.offer.id])


async def test_an_entry_that_does_not_fit_is_skipped_for_a_smaller_one_behind_it(
    bookings: Answered, join: Join, catalog: CatalogService, new_event: NewEvent, customer: Principal,
    other_customer: Principal, waiters: list[Principal], hold: Hold,
) -> None:  # fmt: skip
    event = await new_event(capacity=3)
    small = await hold(customer, event, quantity=1)
    await hold(other_customer, event, quantity=2)
    await join(waiters[0], event, quantity=2)
    await join(waiters[1], event, quantity=1)

    await bookings.cancel(customer, booking_id=small["id"])

    big, little = await entry(bookings, waiters[0], event), await entry(bookings, waiters[1], event)
    assert (big.status, big.position) == ("waiting", 1)
    assert little.status == "offered" and little.offer is not None and little.offer.quantity == 1
    assert await seats(catalog, event) == 0


async def test_an_offer_not_paid_in_time_expires_and_passes_to_the_next_entry(
    bookings: Answered, join: Join, settlement: Settlement, catalog: CatalogService, new_event: NewEvent,
    customer: Principal, waiters: list[Principal], hold: Hold, clock: FakeClock,
) -> None:  # fmt: skip
    event = await new_event(capacity=1)
    await hold(customer, event, quantity=1)
    await join(waiters[0], event)
    await join(waiters[1], event)

    clock.advance(HOLD_TIME + timedelta(seconds=1))
    assert await settlement.reap_expired() == 1
    assert (await entry(bookings, waiters[0], event)).status == "offered"
    assert (await entry(bookings, waiters[1], event)).position == 1

    clock.advance(HOLD_TIME + timedelta(seconds=1))
    assert await settlement.reap_expired() == 1

    lapsed, nxt = await entry(bookings, waiters[0], event), await entry(bookings, waiters[1], event)
    assert (lapsed.status, lapsed.offer, lapsed.position) == ("expired", None, None)
    assert nxt.status == "offered" and nxt.offer is not None
    assert await seats(catalog, event) == 0


async def test_a_paid_offer_reads_booked(
    bookings: Answered, join: Join, new_event: NewEvent, customer: Principal, waiters: list[Principal],
    hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event = await new_event(capacity=1)
    taken = await hold(customer, event, quantity=1)
    await join(waiters[0], event)
    await bookings.cancel(customer, booking_id=taken["id"])
    offer = (await entry(bookings, waiters[0], event)).offer
    assert offer is not None

    paid = await pay(waiters[0], {"id": offer.id})

    assert paid["status"] == "confirmed"
    assert (await entry(bookings, waiters[0], event)).status == "booked"


async def test_a_refunded_booking_frees_its_seats_to_the_waiting_list(
    bookings: Answered, join: Join, catalog: CatalogService, new_event: NewEvent, customer: Principal,
    waiters: list[Principal], hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event = await new_event(capacity=2)
    paid = await pay(customer, await hold(customer, event, quantity=2))
    await join(waiters[0], event, quantity=2)

    cancelled = await bookings.cancel(customer, booking_id=paid["id"])

    assert cancelled["payment"]["status"] == "refunded"
    assert (await entry(bookings, waiters[0], event)).status == "offered"
    assert await seats(catalog, event) == 0


async def test_growing_the_capacity_offers_the_new_seats_to_the_waiting_list(
    bookings: Answered, join: Join, catalog: CatalogService, new_event: NewEvent, organizer: Principal,
    customer: Principal, waiters: list[Principal], hold: Hold,
) -> None:  # fmt: skip
    event = await new_event(capacity=2)
    await hold(customer, event, quantity=2)
    for who in waiters[:3]:
        await join(who, event)

    grown = await catalog.update_event(organizer, event.id, {"capacity": 4})

    assert grown.seats_available == 0 and await seats(catalog, event) == 0
    states = [(await entry(bookings, w, event)).status for w in waiters[:3]]
    assert states == ["offered", "offered", "waiting"]


async def test_leaving_with_an_unpaid_offer_cancels_it_and_passes_the_seats_on(
    bookings: Answered, join: Join, catalog: CatalogService, new_event: NewEvent, customer: Principal,
    waiters: list[Principal], hold: Hold,
) -> None:  # fmt: skip
    event = await new_event(capacity=1)
    taken = await hold(customer, event, quantity=1)
    await join(waiters[0], event)
    await join(waiters[1], event)
    await bookings.cancel(customer, booking_id=taken["id"])
    offer = (await entry(bookings, waiters[0], event)).offer
    assert offer is not None

    await bookings.service.waitlist_leave(waiters[0], event_id=event.id)

    with pytest.raises(errors.NotFound):
        await entry(bookings, waiters[0], event)
    assert (await bookings.get(waiters[0], booking_id=offer.id))["status"] == "cancelled"
    assert (await entry(bookings, waiters[1], event)).status == "offered"
    assert await seats(catalog, event) == 0
    await bookings.service.waitlist_leave(waiters[0], event_id=event.id)  # leaving again is done already


async def test_joining_needs_a_sold_out_event_and_a_quantity_within_the_rules(
    bookings: Answered, join: Join, new_event: NewEvent, customer: Principal, other_customer: Principal,
    waiters: list[Principal], hold: Hold,
) -> None:  # fmt: skip
    event = await new_event(capacity=3, max_per_buyer=2)
    with pytest.raises(errors.SeatsAvailable) as on_sale:
        await join(waiters[0], event)
    assert on_sale.value.details == {"seats_available": 3}
    await hold(customer, event, quantity=1)
    await hold(other_customer, event, quantity=2)
    for quantity in (0, 11):
        with pytest.raises(errors.ValidationFailed):
            await join(waiters[0], event, quantity=quantity)
    with pytest.raises(errors.PurchaseLimitReached) as limit:
        await join(customer, event, quantity=2)  # holds 1 of the 2 one buyer may have
    assert limit.value.details == {"seats_left_for_you": 1}
    with pytest.raises(errors.NotFound):
        await bookings.service.waitlist_join(waiters[0], event_id="no-such-event", quantity=1)
    draft = await new_event(status=EventStatus.DRAFT)
    with pytest.raises(errors.NotFound):
        await join(waiters[0], draft)
    with pytest.raises(errors.NotFound):
        await entry(bookings, waiters[0], event)

    first = await bookings.service.waitlist_join(waiters[0], event_id=event.id, quantity=2)
    again = await bookings.service.waitlist_join(waiters[0], event_id=event.id, quantity=1)

    assert first.created and not again.created
    assert again.view.entry.id == first.view.entry.id and again.view.entry.quantity == 2
    assert (again.view.status, again.view.position) == ("waiting", 1)


async def test_after_an_offer_lapses_joining_again_queues_at_the_back(
    bookings: Answered, join: Join, settlement: Settlement, new_event: NewEvent, customer: Principal,
    waiters: list[Principal], hold: Hold, clock: FakeClock,
) -> None:  # fmt: skip
    event = await new_event(capacity=1)
    taken = await hold(customer, event, quantity=1)
    await join(waiters[0], event)
    await join(waiters[1], event)
    await bookings.cancel(customer, booking_id=taken["id"])
    clock.advance(HOLD_TIME + timedelta(seconds=1))
    await settlement.reap_expired()  # waiter 0's offer lapses: waiter 1's turn

    again = await bookings.service.waitlist_join(waiters[0], event_id=event.id, quantity=1)

    assert again.created and (again.view.status, again.view.position) == ("waiting", 1)
    assert (await entry(bookings, waiters[1], event)).status == "offered"


async def test_two_reapers_at_once_offer_each_freed_seat_exactly_once_and_in_order(
    bookings: Answered, join: Join, catalog: CatalogService, new_event: NewEvent, sign_up: SignUp,
    waiters: list[Principal], hold: Hold, clock: FakeClock, store: InMemoryStore,
) -> None:  # fmt: skip
    event = await new_event(capacity=3)
    buyers = [await sign_up(f"buyer{i}@example.com") for i in range(3)]
    for buyer in buyers:
        await hold(buyer, event, quantity=1)
    for who in waiters:
        await join(who, event)
    clock.advance(HOLD_TIME)
    reapers = [
        Settlement(uow=uow_factory(store), gateway=FakeGateway(), clock=clock, settle_after=timedelta(seconds=10))
        for _ in range(2)
    ]

    reaped = await asyncio.gather(*(r.reap_expired(limit=1) for r in reapers for _ in range(2)))

    assert sum(reaped) == 3
    views = [await entry(bookings, w, event) for w in waiters]
    assert [v.status for v in views] == ["offered", "offered", "offered", "waiting"]
    offers = [v.offer for v in views[:3]]
    assert len({o.id for o in offers if o is not None}) == 3  # one each, none twice
    assert await seats(catalog, event) == 0


async def test_the_offer_e_mail_says_what_is_held_and_until_when(
    bookings: Answered, join: Join, new_event: NewEvent, customer: Principal, waiters: list[Principal],
    hold: Hold, store: InMemoryStore, uow: Any, clock: FakeClock,
) -> None:  # fmt: skip
    sent: list[Email] = []

    class Mailer:
        async def send(self, email: Email) -> None:
            sent.append(email)

    event = await new_event(capacity=1, title="Opera")
    taken = await hold(customer, event, quantity=1)
    await join(waiters[0], event)
    await bookings.cancel(customer, booking_id=taken["id"])
    [message] = [m for m in store.tables["outbox"].values() if m.topic == WAITLIST_OFFERED]

    assert await NotificationService(uow=uow, mailer=Mailer(), clock=clock).handle(message)

    [email] = sent
    assert email.to == "waiter0@example.com" and "Opera" in email.subject
    assert message.payload["booking_id"] in email.body and "25.00 EUR" in email.body
