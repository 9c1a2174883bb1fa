"""Tickets with the in-memory fakes: issued with the confirmation, one per seat with a code the platform verifies,
voided with the booking or the event; the event's General admission type; the organizer's lists."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from domain import errors
from domain.accounts import Principal, Role
from domain.catalog import CatalogService
from domain.messages import Message
from domain.model import Event
from domain.notifications import Email, NotificationService
from domain.settlement import Settlement
from domain.ticketing import TicketService
from domain.tickets import Ticket, TicketStatus
from tests.fakes import SLOW_CARD, FakeClock, InMemoryStore
from tests.unit.conftest import Answered, Hold, NewEvent, Pay, SignUp


@pytest.fixture
def tickets(uow: Any) -> TicketService:
    return TicketService(uow=uow)


async def paid(hold: Hold, pay: Pay, buyer: Principal, event: Event, quantity: int = 2) -> dict[str, Any]:
    booking = await pay(buyer, await hold(buyer, event, quantity=quantity))
    assert booking["status"] == "confirmed"
    return booking


async def test_a_new_event_is_sold_as_general_admission_at_its_price_and_capacity(
    new_event: NewEvent, catalog: CatalogService
) -> None:
    created = await new_event(capacity=40, price_cents=1800)
    (ga,) = created.ticket_types
    assert (ga.name, ga.price_cents, ga.quota) == ("General admission", 1800, 40)
    assert [t.id for t in (await catalog.get_event(created.id)).ticket_types] == [ga.id]


async def test_the_one_type_follows_the_events_price_and_capacity(
    new_event: NewEvent, catalog: CatalogService, organizer: Principal
) -> None:
    event = await new_event(capacity=40, price_cents=1800)
    edited = await catalog.update_event(organizer, event.id, {"capacity": 60, "price_cents": 2000})
    assert [(t.id, t.price_cents, t.quota) for t in edited.ticket_types] == [(event.ticket_types[0].id, 2000, 60)]
    assert (await catalog.get_event(event.id)).ticket_types == edited.ticket_types


async def test_confirming_a_booking_issues_one_ticket_per_seat_with_a_code_the_platform_verifies(
    bookings: Answered, tickets: TicketService, new_event: NewEvent, customer: Principal, hold: Hold, pay: Pay
) -> None:
    event = await new_event()
    booking = await paid(hold, pay, customer, event, quantity=3)

    issued = (await tickets.of_booking(customer, booking_id=booking["id"])).tickets

    codes = bookings.service.settlement.codes
    assert len(issued) == 3 and len({t.code for t in issued}) == 3
    assert all(codes.verify(t.code) == t.id for t in issued)
    assert {(t.status, t.ticket_type_id, t.type_name, t.attendee_name) for t in issued} == {
        (TicketStatus.VALID, event.ticket_types[0].id, "General admission", "ada")
    }


async def test_a_charge_the_reconciler_settles_issues_the_tickets_too(
    tickets: TicketService, settlement: Settlement, new_event: NewEvent, customer: Principal,
    clock: FakeClock, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    booking = await hold(customer, await new_event(), quantity=2)
    with pytest.raises(errors.Timeout):
        await pay(customer, booking, card=SLOW_CARD)
    clock.advance(minutes=1)

    assert await settlement.reconcile() == 1

    assert len((await tickets.of_booking(customer, booking_id=booking["id"])).tickets) == 2


async def test_a_pending_booking_has_no_tickets_yet_and_another_users_booking_is_not_revealed(
    tickets: TicketService, new_event: NewEvent, customer: Principal, other_customer: Principal, hold: Hold
) -> None:
    booking = await hold(customer, await new_event())
    with pytest.raises(errors.BookingNotConfirmed):
        await tickets.of_booking(customer, booking_id=booking["id"])
    with pytest.raises(errors.NotFound):
        await tickets.of_booking(other_customer, booking_id=booking["id"])


async def test_cancelling_a_paid_booking_voids_its_tickets(
    bookings: Answered, tickets: TicketService, new_event: NewEvent, customer: Principal, hold: Hold, pay: Pay
) -> None:
    booking = await paid(hold, pay, customer, await new_event())

    assert (await bookings.cancel(customer, booking_id=booking["id"]))["status"] == "cancelled"

    found = await tickets.of_booking(customer, booking_id=booking["id"])
    assert {t.status for t in found.tickets} == {TicketStatus.VOID}
    with pytest.raises(errors.TicketVoid):
        found.printable()


async def test_cancelling_the_event_voids_every_ticket_of_it(
    catalog: CatalogService, tickets: TicketService, new_event: NewEvent, organizer: Principal,
    customer: Principal, other_customer: Principal, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event = await new_event()
    mine, theirs = [await paid(hold, pay, who, event) for who in (customer, other_customer)]

    await catalog.cancel_event(organizer, event.id)

    for who, booking in ((customer, mine), (other_customer, theirs)):
        assert {t.status for t in (await tickets.of_booking(who, booking_id=booking["id"])).tickets} == {
            TicketStatus.VOID
        }


async def test_a_tickets_qr_code_is_for_its_buyer_and_its_organizer_only(
    tickets: TicketService, new_event: NewEvent, organizer: Principal, customer: Principal,
    other_customer: Principal, sign_up: SignUp, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    booking = await paid(hold, pay, customer, await new_event())
    ticket = (await tickets.of_booking(customer, booking_id=booking["id"])).tickets[0]

    assert (await tickets.ticket(customer, ticket_id=ticket.id)).code == ticket.code
    assert (await tickets.ticket(organizer, ticket_id=ticket.id)).code == ticket.code
    another_organizer = await sign_up("rival@example.com", Role.ORGANIZER)
    for stranger in (other_customer, another_organizer):
        with pytest.raises(errors.NotFound):
            await tickets.ticket(stranger, ticket_id=ticket.id)


async def test_the_attendee_and_order_lists_survive_a_round_trip_through_csv(
    tickets: TicketService, store: InMemoryStore, new_event: NewEvent, organizer: Principal,
    customer: Principal, other_customer: Principal, clock: FakeClock, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    name = 'Zoë "Zo" Ångström, 山田'
    store.tables["users"][customer.user_id].name = name
    event = await new_event()
    booking = await paid(hold, pay, customer, event, quantity=2)
    clock.advance(seconds=1)
    pending = await hold(other_customer, event, quantity=1)

    attendees = list(csv.DictReader(io.StringIO(await tickets.attendees_csv(organizer, event_id=event.id))))
    orders = list(csv.DictReader(io.StringIO(await tickets.orders_csv(organizer, event_id=event.id))))

    assert [(a["booking_id"], a["attendee_name"], a["status"]) for a in attendees] == [
        (booking["id"], name, "valid")
    ] * 2
    assert [(o["booking_id"], o["buyer_name"], o["lines"], o["amount_cents"], o["status"]) for o in orders] == [
        (booking["id"], name, "2 x General admission", "5000", "confirmed"),
        (pending["id"], "bob", "1 x General admission", "2500", "pending"),
    ]
    for outsider in (customer, other_customer):
        with pytest.raises(errors.Forbidden):
            await tickets.attendees_csv(outsider, event_id=event.id)
        with pytest.raises(errors.Forbidden):
            await tickets.orders_csv(outsider, event_id=event.id)
    with pytest.raises(errors.NotFound):
        await tickets.orders_csv(organizer, event_id="no-such-event")


class RecordingMailer:
    def __init__(self) -> None:
        self.sent: list[Email] = []

    async def send(self, email: Email) -> None:
        self.sent.append(email)


async def test_the_confirmation_email_carries_the_tickets_pdf_rendered_when_it_is_sent(
    uow: Any, clock: FakeClock, store: InMemoryStore, new_event: NewEvent, customer: Principal, hold: Hold, pay: Pay
) -> None:
    rendered: list[list[Ticket]] = []

    async def pdf(event: Event, tickets: Any) -> bytes:
        rendered.append(list(tickets))
        return b"%PDF-1.4 fake"

    mailer = RecordingMailer()
    notifications = NotificationService(uow=uow, mailer=mailer, clock=clock, tickets_pdf=pdf)
    booking = await paid(hold, pay, customer, await new_event(), quantity=2)
    confirmed: list[Message] = [m for m in store.tables["outbox"].values() if m.topic == "booking.confirmed"]

    assert await notifications.handle(confirmed[0])

    (email,) = mailer.sent
    (attachment,) = email.attachments
    assert (attachment.filename, attachment.media_type) == (f"tickets-{booking['id']}.pdf", "application/pdf")
    assert attachment.content.startswith(b"%PDF") and "tickets are attached" in email.body
    assert [len(r) for r in rendered] == [2]
