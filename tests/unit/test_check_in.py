"""The door with the in-memory fakes: the first scan wins, a second hears when; forged, void and other events' codes;
who may scan; the staff an organizer names; the counts per type."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from domain import errors
from domain.accounts import Principal, Role
from domain.catalog import CatalogService
from domain.checkin import CheckInService
from domain.model import Event, EventStatus
from domain.ticket_codes import TicketCodes
from domain.ticketing import TicketService
from domain.tickets import Ticket, TicketStatus
from tests.fakes import FakeClock, FakeUnitOfWork
from tests.unit.conftest import Answered, Hold, NewEvent, Pay, SignUp


class CountedUnitsOfWork:
    """The fakes' factory, counting the units of work opened: a scan that needs none must open none."""

    def __init__(self, make: Callable[..., FakeUnitOfWork]) -> None:
        self._make = make
        self.opened = 0

    def __call__(self, *, autocommit: bool = False) -> FakeUnitOfWork:
        self.opened += 1
        return self._make(autocommit=autocommit)


@pytest.fixture
def counted(uow: Any) -> CountedUnitsOfWork:
    return CountedUnitsOfWork(uow)


@pytest.fixture
def door(counted: CountedUnitsOfWork, clock: FakeClock, bookings: Answered) -> CheckInService:
    return CheckInService(uow=counted, clock=clock, codes=bookings.service.settlement.codes)


async def tickets_of(uow: Any, hold: Hold, pay: Pay, buyer: Principal, event: Event, quantity: int = 2) -> list[Ticket]:
    booking = await pay(buyer, await hold(buyer, event, quantity=quantity))
    return (await TicketService(uow=uow).of_booking(buyer, booking_id=booking["id"])).tickets


async def test_the_first_scan_admits_and_a_second_says_when(
    door: CheckInService, uow: Any, new_event: NewEvent, organizer: Principal, customer: Principal,
    clock: FakeClock, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event = await new_event()
    ticket, _ = await tickets_of(uow, hold, pay, customer, event)
    first_scan = clock.now()

    admitted = await door.check_in(organizer, event_id=event.id, code=ticket.code.lower())  # as typed, in any case
    clock.advance(minutes=5)
    with pytest.raises(errors.AlreadyCheckedIn) as again:
        await door.check_in(organizer, event_id=event.id, code=ticket.code)

    assert (admitted.id, admitted.status, admitted.checked_in_at) == (ticket.id, TicketStatus.CHECKED_IN, first_scan)
    assert again.value.details == {"checked_in_at": first_scan.isoformat().replace("+00:00", "Z")}


async def test_twenty_gates_scanning_one_code_at_once_admit_it_exactly_once(
    door: CheckInService, uow: Any, new_event: NewEvent, organizer: Principal, customer: Principal,
    hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event = await new_event()
    ticket, _ = await tickets_of(uow, hold, pay, customer, event)

    scans = await asyncio.gather(
        *(door.check_in(organizer, event_id=event.id, code=ticket.code) for _ in range(20)), return_exceptions=True
    )

    assert sum(isinstance(s, Ticket) for s in scans) == 1
    assert sum(isinstance(s, errors.AlreadyCheckedIn) for s in scans) == 19


async def test_a_forged_code_is_unknown_before_any_database_read(
    door: CheckInService, counted: CountedUnitsOfWork, uow: Any, new_event: NewEvent, organizer: Principal,
    customer: Principal, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event = await new_event()
    ticket, _ = await tickets_of(uow, hold, pay, customer, event)
    tampered = ticket.code[:-1] + ("A" if ticket.code[-1] != "A" else "B")
    other_key = TicketCodes(b"k" * 32).issue()[1]
    opened = counted.opened

    for code in (tampered, other_key, "not a code", ""):
        with pytest.raises(errors.UnknownTicket):
            await door.check_in(organizer, event_id=event.id, code=code)
    assert counted.opened == opened


async def test_a_code_of_another_event_is_unknown_here_and_a_void_one_says_so(
    door: CheckInService, bookings: Answered, uow: Any, new_event: NewEvent, organizer: Principal,
    customer: Principal, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event, other = await new_event(), await new_event()
    theirs, _ = await tickets_of(uow, hold, pay, customer, other)
    with pytest.raises(errors.UnknownTicket):
        await door.check_in(organizer, event_id=event.id, code=theirs.code)

    await bookings.cancel(customer, booking_id=theirs.booking_id)
    with pytest.raises(errors.TicketVoid):
        await door.check_in(organizer, event_id=other.id, code=theirs.code)


async def test_staff_scan_their_event_only_and_strangers_not_at_all(
    door: CheckInService, uow: Any, new_event: NewEvent, organizer: Principal, customer: Principal,
    other_customer: Principal, sign_up: SignUp, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event, other = await new_event(), await new_event()
    gatekeeper = await sign_up("gate@example.com")
    here, there = [(await tickets_of(uow, hold, pay, customer, e))[0] for e in (event, other)]

    named = await door.add_staff(organizer, event_id=event.id, email=" Gate@Example.com ")
    assert (named.user_id, named.email) == (gatekeeper.user_id, "gate@example.com")
    await door.add_staff(organizer, event_id=event.id, email="gate@example.com")  # again: nothing changes

    assert (await door.check_in(gatekeeper, event_id=event.id, code=here.code)).status is TicketStatus.CHECKED_IN
    assert (await door.stats(gatekeeper, event_id=event.id)).checked_in == 1
    for who, event_id, code in ((gatekeeper, other.id, there.code), (other_customer, event.id, here.code)):
        with pytest.raises(errors.Forbidden):
            await door.check_in(who, event_id=event_id, code=code)
    with pytest.raises(errors.Forbidden):  # staff scan; they do not name more staff
        await door.add_staff(gatekeeper, event_id=event.id, email="bob@example.com")
    with pytest.raises(errors.NotFound):
        await door.add_staff(organizer, event_id=event.id, email="nobody@example.com")
    with pytest.raises(errors.NotFound):
        await door.check_in(organizer, event_id="no-such-event", code=here.code)


async def test_another_organizers_draft_is_not_revealed_at_its_door(
    door: CheckInService, new_event: NewEvent, sign_up: SignUp
) -> None:
    draft = await new_event(status=EventStatus.DRAFT)
    rival = await sign_up("rival@example.com", Role.ORGANIZER)
    with pytest.raises(errors.NotFound):
        await door.stats(rival, event_id=draft.id)


async def test_the_counts_leave_void_tickets_out(
    door: CheckInService, bookings: Answered, catalog: CatalogService, uow: Any, new_event: NewEvent,
    organizer: Principal, customer: Principal, other_customer: Principal, hold: Hold, pay: Pay,
) -> None:  # fmt: skip
    event = await new_event()
    kept = await tickets_of(uow, hold, pay, customer, event, quantity=3)
    dropped = await tickets_of(uow, hold, pay, other_customer, event, quantity=2)
    await door.check_in(organizer, event_id=event.id, code=kept[0].code)
    await bookings.cancel(other_customer, booking_id=dropped[0].booking_id)

    stats = await door.stats(organizer, event_id=event.id)

    (ga,) = (await catalog.get_event(event.id)).ticket_types
    assert (stats.total, stats.checked_in) == (3, 1)
    assert [(c.ticket_type_id, c.total, c.checked_in) for c in stats.by_type] == [(ga.id, 3, 1)]
