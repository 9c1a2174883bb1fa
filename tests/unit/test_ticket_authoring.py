"""An organizer's ticket types and promo codes, and a buyer renaming their seats, on the in-memory fakes: who may,
the quota that cannot drop below what is taken, codes unique per event and scoped to its own types, and tickets that
follow their seats' names."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from domain import errors
from domain.accounts import Principal, Role
from domain.attendee_editing import AttendeeService, edit_typed, ticket_renames
from domain.attendees import Attendee, AttendeeInput
from domain.catalog import CatalogService
from domain.holding import HoldRequest
from domain.model import Event
from domain.ticket_authoring import PromoCodeDraft, TicketAuthoringService, TicketTypeDraft
from domain.ticketing import TicketService
from domain.tickets import Ticket, TicketStatus
from tests.fakes import FakeClock, InMemoryStore
from tests.unit.conftest import Answered, Hold, NewEvent, Pay, SignUp

VIP = TicketTypeDraft("VIP", 9000, 10, max_per_order=2)


@pytest.fixture
def authoring(uow: Any, clock: FakeClock) -> TicketAuthoringService:
    return TicketAuthoringService(uow=uow, clock=clock)


@pytest.fixture
def attendees(uow: Any, clock: FakeClock) -> AttendeeService:
    return AttendeeService(uow=uow, clock=clock)


def take_seats(store: InMemoryStore, ticket_type_id: str, taken: int) -> None:
    """What the hold statements keep: seats of the type held or sold."""
    row = store.tables["ticket_types"][ticket_type_id]
    store.tables["ticket_types"][ticket_type_id] = replace(row, ticket_type=replace(row.ticket_type, taken=taken))


async def test_an_organizer_adds_a_type_after_the_events_others(
    authoring: TicketAuthoringService, catalog: CatalogService, new_event: NewEvent, organizer: Principal
) -> None:
    event = await new_event()
    added = await authoring.add_ticket_type(organizer, event_id=event.id, draft=VIP)

    assert (added.ticket_type.name, added.ticket_type.price_cents, added.ticket_type.taken) == ("VIP", 9000, 0)
    shown = await catalog.get_event(event.id)
    assert [t.name for t in shown.ticket_types] == ["General admission", "VIP"]
    assert [t.name for t in added.event.ticket_types] == ["General admission", "VIP"]
    again = await authoring.add_ticket_type(organizer, event_id=event.id, draft=replace(VIP, name="Balcony"))
    assert [t.name for t in again.event.ticket_types] == ["General admission", "VIP", "Balcony"]


async def test_only_the_events_organizer_or_an_admin_authors_its_types_and_codes(
    authoring: TicketAuthoringService, new_event: NewEvent, customer: Principal, sign_up: SignUp
) -> None:
    event = await new_event()
    rival = await sign_up("rival@example.com", Role.ORGANIZER)
    admin = await sign_up("admin@example.com", Role.ADMIN)
    code = PromoCodeDraft("SPRING", percent_off=10)

    with pytest.raises(errors.Forbidden):
        await authoring.add_ticket_type(customer, event_id=event.id, draft=VIP)
    with pytest.raises(errors.Forbidden):
        await authoring.promo_codes(customer, event_id=event.id)
    for attempt in (
        authoring.add_ticket_type(rival, event_id=event.id, draft=VIP),
        authoring.add_promo_code(rival, event_id=event.id, draft=code),
        authoring.promo_codes(rival, event_id=event.id),
        authoring.add_ticket_type(admin, event_id="no-such-event", draft=VIP),
    ):
        with pytest.raises(errors.NotFound):
            await attempt
    assert (await authoring.add_ticket_type(admin, event_id=event.id, draft=VIP)).ticket_type.name == "VIP"


async def test_a_cancelled_events_types_and_codes_cannot_change(
    authoring: TicketAuthoringService, catalog: CatalogService, new_event: NewEvent, organizer: Principal
) -> None:
    event = await new_event()
    await catalog.cancel_event(organizer, event.id)
    (ga,) = event.ticket_types

    with pytest.raises(errors.EventCancelled):
        await authoring.add_ticket_type(organizer, event_id=event.id, draft=VIP)
    with pytest.raises(errors.EventCancelled):
        await authoring.update_ticket_type(organizer, event_id=event.id, ticket_type_id=ga.id, changes={"quota": 5})
    with pytest.raises(errors.EventCancelled):
        await authoring.add_promo_code(organizer, event_id=event.id, draft=PromoCodeDraft("LATE", percent_off=5))


async def test_a_quota_cannot_drop_below_the_seats_of_the_type_held_or_sold(
    authoring: TicketAuthoringService, store: InMemoryStore, new_event: NewEvent, organizer: Principal
) -> None:
    event = await new_event()
    vip = (await authoring.add_ticket_type(organizer, event_id=event.id, draft=VIP)).ticket_type
    take_seats(store, vip.id, 6)

    with pytest.raises(errors.CapacityBelowSold) as refused:
        await authoring.update_ticket_type(organizer, event_id=event.id, ticket_type_id=vip.id, changes={"quota": 5})
    assert refused.value.details == {"ticket_type_id": vip.id, "seats_taken": 6}
    changes = {"quota": 6, "price_cents": 9500, "name": "VIP lounge", "max_per_order": None}
    changed = await authoring.update_ticket_type(organizer, event_id=event.id, ticket_type_id=vip.id, changes=changes)
    assert (changed.ticket_type.quota, changed.ticket_type.available, changed.ticket_type.taken) == (6, 0, 6)
    assert (changed.ticket_type.name, changed.ticket_type.price_cents, changed.ticket_type.max_per_order) == (
        "VIP lounge", 9500, None,
    )  # fmt: skip


async def test_an_edit_of_a_type_is_checked_as_a_whole_and_names_only_its_fields(
    authoring: TicketAuthoringService, new_event: NewEvent, organizer: Principal, clock: FakeClock
) -> None:
    event = await new_event()
    (ga,) = event.ticket_types
    starts = clock.now() + timedelta(days=1)
    window = {"sales_start": starts, "sales_end": starts - timedelta(hours=1)}

    with pytest.raises(errors.ValidationFailed) as bad:
        await authoring.update_ticket_type(organizer, event_id=event.id, ticket_type_id=ga.id, changes=window)
    assert set(bad.value.details["fields"]) == {"sales_end"}
    with pytest.raises(errors.ValidationFailed):
        await authoring.update_ticket_type(organizer, event_id=event.id, ticket_type_id=ga.id, changes={"taken": 0})
    with pytest.raises(errors.NotFound):
        await authoring.update_ticket_type(organizer, event_id=event.id, ticket_type_id="nope", changes={"quota": 1})
    with pytest.raises(errors.ValidationFailed):
        await authoring.add_ticket_type(organizer, event_id=event.id, draft=replace(VIP, name="  "))


async def test_the_event_edit_keeps_a_single_type_in_step_but_never_overwrites_several(
    authoring: TicketAuthoringService, catalog: CatalogService, new_event: NewEvent, organizer: Principal
) -> None:
    event = await new_event()
    (ga,) = event.ticket_types
    await authoring.update_ticket_type(organizer, event_id=event.id, ticket_type_id=ga.id, changes={"quota": 40})
    await catalog.update_event(organizer, event.id, {"title": "Jazz night, late"})
    assert [t.quota for t in (await catalog.get_event(event.id)).ticket_types] == [40]  # an edit of the title
    await catalog.update_event(organizer, event.id, {"capacity": 120})
    assert [t.quota for t in (await catalog.get_event(event.id)).ticket_types] == [120]  # sold as one type

    await authoring.add_ticket_type(organizer, event_id=event.id, draft=VIP)
    await catalog.update_event(organizer, event.id, {"price_cents": 1000, "capacity": 150})
    shown = await catalog.get_event(event.id)
    assert [(t.name, t.price_cents, t.quota) for t in shown.ticket_types] == [
        ("General admission", 2500, 120), ("VIP", 9000, 10),
    ]  # fmt: skip


async def test_a_promo_code_is_stored_upper_case_once_per_event(
    authoring: TicketAuthoringService, new_event: NewEvent, organizer: Principal, clock: FakeClock
) -> None:
    event, other = await new_event(), await new_event()
    until = clock.now() + timedelta(days=7)
    first = await authoring.add_promo_code(
        organizer, event_id=event.id, draft=PromoCodeDraft(" summer-10 ", percent_off=10, max_uses=5, valid_until=until)
    )
    assert (first.code, first.percent_off, first.uses, first.max_uses, first.valid_until) == (
        "SUMMER-10",
        10,
        0,
        5,
        until,
    )

    with pytest.raises(errors.PromoCodeTaken) as taken:
        await authoring.add_promo_code(
            organizer, event_id=event.id, draft=PromoCodeDraft("Summer-10", amount_off_cents=5)
        )
    assert (taken.value.code, taken.value.details) == ("promo_code_taken", {"promo_code": "SUMMER-10"})
    assert isinstance(taken.value, errors.Conflict)
    await authoring.add_promo_code(organizer, event_id=other.id, draft=PromoCodeDraft("SUMMER-10", percent_off=20))
    clock.advance(minutes=1)
    second = await authoring.add_promo_code(
        organizer, event_id=event.id, draft=PromoCodeDraft("FLAT", amount_off_cents=500)
    )
    listed = await authoring.promo_codes(organizer, event_id=event.id)
    assert [(p.id, p.code) for p in listed] == [(first.id, "SUMMER-10"), (second.id, "FLAT")]  # oldest first


async def test_a_promo_codes_scope_is_types_of_its_own_event(
    authoring: TicketAuthoringService, new_event: NewEvent, organizer: Principal
) -> None:
    event, other = await new_event(), await new_event()
    vip = (await authoring.add_ticket_type(organizer, event_id=event.id, draft=VIP)).ticket_type
    (elsewhere,) = other.ticket_types

    scoped = await authoring.add_promo_code(
        organizer,
        event_id=event.id,
        draft=PromoCodeDraft("VIPONLY", percent_off=50, ticket_type_ids=frozenset({vip.id})),
    )
    assert scoped.ticket_type_ids == frozenset({vip.id})
    foreign = PromoCodeDraft("STRAY", percent_off=5, ticket_type_ids=frozenset({vip.id, elsewhere.id}))
    with pytest.raises(errors.ValidationFailed) as refused:
        await authoring.add_promo_code(organizer, event_id=event.id, draft=foreign)
    assert elsewhere.id in refused.value.details["fields"]["ticket_type_ids"]
    for bad in (PromoCodeDraft("BOTH", percent_off=5, amount_off_cents=5), PromoCodeDraft("NONE"),
                PromoCodeDraft("bad code!", percent_off=5)):  # fmt: skip
        with pytest.raises(errors.ValidationFailed):
            await authoring.add_promo_code(organizer, event_id=event.id, draft=bad)
    assert [p.code for p in await authoring.promo_codes(organizer, event_id=event.id)] == ["VIPONLY"]


def test_an_edit_keeps_the_seats_given_no_name_and_the_buyer_stays_unnamed() -> None:
    now = FakeClock().now()
    current = [AttendeeInput(), AttendeeInput("Grace", "grace@example.com"), AttendeeInput("Linus")]
    changes = [AttendeeInput(" Ada  ", " ADA@Example.com"), AttendeeInput(), AttendeeInput("  ", "x@example.com")]

    edited = edit_typed(current, changes, starts_at=now + timedelta(days=1), now=now)

    assert edited == [AttendeeInput("Ada", "ada@example.com"), current[1], current[2]]
    with pytest.raises(errors.ValidationFailed):
        edit_typed(current, changes[:2], starts_at=now + timedelta(days=1), now=now)
    with pytest.raises(errors.Conflict):
        edit_typed(current, changes, starts_at=now, now=now)


def test_each_seat_keeps_the_ticket_that_names_it_whatever_order_the_tickets_come_in() -> None:
    now = FakeClock().now()

    def ticket(i: int, type_id: str, name: str) -> Ticket:
        return Ticket(f"t{i}", "b", "e", type_id, type_id, name, None, f"code{i}", TicketStatus.VALID, now)

    tickets = [ticket(1, "ga", "Linus"), ticket(2, "vip", "Buyer"), ticket(3, "ga", "Grace")]
    before = [Attendee("Grace"), Attendee("Linus"), Attendee("Buyer")]
    after = [Attendee("Grace"), Attendee("Ada"), Attendee("Buyer")]

    renames = ticket_renames(tickets, ["ga", "ga", "vip"], before, after)

    assert [(r.ticket_id, r.attendee.name) for r in renames] == [("t1", "Ada")]  # Linus's ticket, not the first


async def test_the_owner_renames_a_held_booking_within_the_rules(
    attendees: AttendeeService, bookings: Answered, new_event: NewEvent, customer: Principal,
    other_customer: Principal, clock: FakeClock,
) -> None:  # fmt: skip
    event = await new_event()
    held = await bookings.service.hold(HoldRequest(customer, event.id, 2, "hold"))
    entries = [AttendeeInput("Grace Hopper", "GRACE@example.com"), AttendeeInput()]

    renamed = await attendees.edit(customer, booking_id=held.id, attendees=entries)

    assert renamed.attendees == [AttendeeInput("Grace Hopper", "grace@example.com"), AttendeeInput()]
    assert (await bookings.service.get(customer, booking_id=held.id)).attendees == renamed.attendees
    with pytest.raises(errors.NotFound):
        await attendees.edit(other_customer, booking_id=held.id, attendees=entries)
    with pytest.raises(errors.ValidationFailed):
        await attendees.edit(customer, booking_id=held.id, attendees=entries[:1])
    await bookings.cancel(customer, booking_id=held.id)
    with pytest.raises(errors.BookingNotPending):
        await attendees.edit(customer, booking_id=held.id, attendees=entries)


async def test_a_hold_whose_charge_is_in_flight_or_that_expired_is_not_renamed(
    attendees: AttendeeService, bookings: Answered, store: InMemoryStore, new_event: NewEvent, customer: Principal,
    clock: FakeClock,
) -> None:  # fmt: skip
    event = await new_event()
    held = await bookings.service.hold(HoldRequest(customer, event.id, 1, "hold"))
    store.tables["bookings"][held.id].charge_key = "charge-in-flight"  # its payment names the tickets as it read them

    with pytest.raises(errors.PaymentInProgress):
        await attendees.edit(customer, booking_id=held.id, attendees=[AttendeeInput("Grace")])
    store.tables["bookings"][held.id].charge_key = None
    clock.advance(minutes=11)
    with pytest.raises(errors.HoldExpired):
        await attendees.edit(customer, booking_id=held.id, attendees=[AttendeeInput("Grace")])
    assert store.get("bookings", held.id).attendees == []


async def test_a_confirmed_bookings_tickets_follow_their_seats_until_the_event_starts(
    attendees: AttendeeService, uow: Any, hold: Hold, pay: Pay, new_event: NewEvent, customer: Principal,
    clock: FakeClock,
) -> None:  # fmt: skip
    event: Event = await new_event(starts_at=clock.now() + timedelta(days=2))
    booking = await pay(customer, await hold(customer, event, quantity=2))
    renames = [AttendeeInput("Grace Hopper", "grace@example.com"), AttendeeInput()]

    await attendees.edit(customer, booking_id=booking["id"], attendees=renames)
    tickets = (await TicketService(uow=uow).of_booking(customer, booking_id=booking["id"])).tickets
    assert sorted((t.attendee_name, t.attendee_email) for t in tickets) == [
        ("Grace Hopper", "grace@example.com"), ("ada", "ada@example.com"),
    ]  # fmt: skip
    back = await attendees.edit(customer, booking_id=booking["id"], attendees=[AttendeeInput(), AttendeeInput("Lin")])
    tickets = (await TicketService(uow=uow).of_booking(customer, booking_id=booking["id"])).tickets
    assert sorted(t.attendee_name for t in tickets) == ["Grace Hopper", "Lin"]
    assert back.attendees == [AttendeeInput("Grace Hopper", "grace@example.com"), AttendeeInput("Lin")]

    clock.advance(days=2)
    with pytest.raises(errors.Conflict) as started:
        await attendees.edit(customer, booking_id=booking["id"], attendees=renames)
    assert "starts_at" in started.value.details
