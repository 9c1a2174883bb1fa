"""Holds of several ticket types, with a promo code and attendees, on the in-memory fakes: priced at each type's
price, every type's quota and the event's seats taken in one step, the code's use taken with them and given back
with the seats; the tickets follow the lines and the attendees."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from domain import errors
from domain.accounts import Principal
from domain.attendees import AttendeeInput
from domain.holding import HoldRequest
from domain.model import Booking, Event
from domain.pricing import LineRequest, PromoCode, TicketType
from domain.ticketing import TicketService
from tests.fake_tickets import PromoRow, TypeRow, types_of
from tests.unit.conftest import Answered, NewEvent, Pay


@pytest.fixture
async def event(new_event: NewEvent, uow: Any) -> Event:
    """60 seats: General admission (quota 50, 25.00) and VIP (quota 4, 90.00), and the code HALF (50 %, 2 uses)."""
    created = await new_event(capacity=60)
    async with uow() as tx:
        (ga,) = types_of(tx, created.id)
        tx.write("ticket_types", ga.id, TypeRow(created.id, 0, created.created_at, replace(ga, quota=50)))
        vip = TicketType("vip", "VIP", 9000, 4)
        tx.write("ticket_types", vip.id, TypeRow(created.id, 1, created.created_at, vip))
        half = PromoCode("HALF", percent_off=50, max_uses=2, id="half")
        tx.write("promo_codes", half.id, PromoRow(created.id, half))
        await tx.commit()
        created.ticket_types = types_of(tx, created.id)
    return created


def lines_of(event: Event, general: int, vip: int) -> tuple[LineRequest, ...]:
    ga = event.ticket_types[0].id
    return tuple(LineRequest(type_id, n) for type_id, n in ((ga, general), ("vip", vip)) if n)


async def hold(bookings: Answered, who: Principal, event: Event, key: str, **lines: Any) -> Booking:
    wanted = lines_of(event, lines.pop("general", 0), lines.pop("vip", 0))
    seats = sum(line.quantity for line in wanted)
    return await bookings.service.hold(HoldRequest(who, event.id, seats, key, lines=wanted, **lines))


async def stock(uow: Any, event: Event) -> tuple[int, list[int], int]:
    async with uow() as tx:
        stored = tx.read("events", event.id)
        codes = [r.promo.uses for r in tx.rows("promo_codes") if r.event_id == event.id]
        return stored.seats_available, [t.taken for t in types_of(tx, event.id)], codes[0]


async def test_a_hold_of_two_types_with_a_code_is_priced_per_type_less_the_discount(
    bookings: Answered, event: Event, customer: Principal, uow: Any
) -> None:
    booking = await hold(bookings, customer, event, "k", general=2, vip=1, promo_code=" half ")

    assert [(line.name, line.quantity, line.unit_price_cents) for line in booking.lines] == [
        ("General admission", 2, 2500),
        ("VIP", 1, 9000),
    ]
    assert (booking.quantity, booking.discount_cents, booking.amount_cents) == (3, 7000, 7000)
    assert booking.promo_code == "HALF"
    assert await stock(uow, event) == (57, [2, 1], 1)


async def test_a_line_that_does_not_fit_refuses_the_whole_hold_with_its_type_and_what_is_left(
    bookings: Answered, event: Event, customer: Principal, uow: Any
) -> None:
    with pytest.raises(errors.SoldOut) as refused:
        await hold(bookings, customer, event, "k", general=1, vip=5)

    assert (refused.value.details["ticket_type_id"], refused.value.details["available"]) == ("vip", 4)
    assert await stock(uow, event) == (60, [0, 0], 0)  # not even the general admission seat was taken


async def test_a_used_up_code_is_refused_and_a_cancelled_hold_gives_its_use_and_seats_back(
    bookings: Answered, event: Event, customer: Principal, other_customer: Principal, uow: Any
) -> None:
    first = await hold(bookings, customer, event, "a", vip=1, promo_code="HALF")
    await hold(bookings, other_customer, event, "b", vip=1, promo_code="HALF")
    with pytest.raises(errors.PromoCodeInvalid) as used_up:
        await hold(bookings, customer, event, "c", general=1, promo_code="HALF")
    assert used_up.value.details["reason"] == "used_up"

    await bookings.service.cancel(customer, booking_id=first.id)

    assert await stock(uow, event) == (59, [0, 1], 1)
    again = await hold(bookings, customer, event, "d", general=1, promo_code="half")
    assert again.discount_cents == 1250


async def test_an_unknown_code_and_a_code_of_other_types_are_refused(
    bookings: Answered, event: Event, customer: Principal, uow: Any
) -> None:
    async with uow() as tx:
        vip_only = PromoCode("VIPONLY", amount_off_cents=1000, ticket_type_ids=frozenset({"vip"}), id="vip-only")
        tx.write("promo_codes", vip_only.id, PromoRow(event.id, vip_only))
        await tx.commit()
    for code, reason in (("NOPE", "unknown"), ("VIPONLY", "not_applicable")):
        with pytest.raises(errors.PromoCodeInvalid) as refused:
            await hold(bookings, customer, event, f"k-{code}", general=1, promo_code=code)
        assert refused.value.details["reason"] == reason
    assert (await hold(bookings, customer, event, "vip", vip=1, promo_code="viponly")).amount_cents == 8000


async def test_a_request_of_quantity_alone_buys_the_first_type(
    bookings: Answered, event: Event, customer: Principal, uow: Any
) -> None:
    booking = await bookings.service.hold(HoldRequest(customer, event.id, 3, "k"))

    assert [(line.ticket_type_id, line.quantity) for line in booking.lines] == [(event.ticket_types[0].id, 3)]
    assert booking.amount_cents == 7500 and await stock(uow, event) == (57, [3, 0], 0)


async def test_the_tickets_follow_the_lines_and_the_named_attendees(
    bookings: Answered, event: Event, customer: Principal, pay: Pay, uow: Any
) -> None:
    named = (AttendeeInput(" Grace Hopper ", "GRACE@example.org"), AttendeeInput(None, None), AttendeeInput("Zoë"))
    booking = await hold(bookings, customer, event, "k", general=1, vip=2, attendees=named)
    assert booking.attendees == [
        AttendeeInput("Grace Hopper", "grace@example.org"),
        AttendeeInput(),
        AttendeeInput("Zoë"),
    ]

    await pay(customer, {"id": booking.id})
    tickets = (await TicketService(uow=uow).of_booking(customer, booking_id=booking.id)).tickets

    seats = sorted((t.type_name, t.attendee_name, t.attendee_email) for t in tickets)
    assert seats == [
        ("General admission", "Grace Hopper", "grace@example.org"),
        ("VIP", "Zoë", None),
        ("VIP", "ada", "ada@example.com"),
    ]


async def test_more_attendees_than_seats_or_a_bad_one_are_refused_with_every_problem(
    bookings: Answered, event: Event, customer: Principal
) -> None:
    with pytest.raises(errors.ValidationFailed):
        await hold(bookings, customer, event, "a", general=1, attendees=(AttendeeInput("A"), AttendeeInput("B")))
    with pytest.raises(errors.ValidationFailed) as bad:
        await hold(
            bookings, customer, event, "b", general=2, attendees=(AttendeeInput("A\nB"), AttendeeInput("C", "x"))
        )
    assert set(bad.value.details["fields"]) == {"attendees[0].name", "attendees[1].email"}
