"""Events: create, browse, edit, cancel, and the organizer's sales view."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from domain import errors
from domain.accounts import Principal, Role
from domain.catalog import CatalogService, EventDraft
from domain.model import EventStatus
from domain.ports import EventFilter
from domain.settlement import Settlement
from tests.fakes import SLOW_CARD, FakeClock, FakeGateway, InMemoryStore
from tests.unit.conftest import Answered, Hold, NewEvent, Pay, SignUp


def draft(clock: FakeClock, **overrides: Any) -> EventDraft:
    starts_at = clock.now() + timedelta(days=7)
    fields: dict[str, Any] = {
        "title": "Chess open", "description": "", "category": "sport", "venue": "Club", "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=5), "capacity": 40, "price_cents": 0, "currency": "eur",
    } | overrides  # fmt: skip
    return EventDraft(**fields)


async def test_an_organizer_creates_a_published_event_with_every_seat_free(
    catalog: CatalogService, organizer: Principal, clock: FakeClock
) -> None:
    event = await catalog.create_event(organizer, draft(clock))

    assert event.status is EventStatus.PUBLISHED
    assert (event.capacity, event.seats_available, event.currency) == (40, 40, "EUR")
    assert event.organizer_id == organizer.user_id
    assert await catalog.get_event(event.id) == event


async def test_a_customer_cannot_create_events(catalog: CatalogService, customer: Principal, clock: FakeClock) -> None:
    with pytest.raises(errors.Forbidden):
        await catalog.create_event(customer, draft(clock))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "  "}, "title"),
        ({"capacity": 0}, "capacity"),
        ({"price_cents": -1}, "price_cents"),
        ({"currency": "euro"}, "currency"),
        ({"starts_at": datetime(2030, 2, 1, 20, 0)}, "starts_at"),
    ],
)
async def test_create_rejects_invalid_fields(
    catalog: CatalogService, organizer: Principal, clock: FakeClock, overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(errors.ValidationFailed) as raised:
        await catalog.create_event(organizer, draft(clock, **overrides))

    assert field in raised.value.details["fields"]


async def test_an_event_cannot_end_before_it_starts(
    catalog: CatalogService, organizer: Principal, clock: FakeClock
) -> None:
    starts_at = clock.now() + timedelta(days=1)

    with pytest.raises(errors.ValidationFailed) as raised:
        await catalog.create_event(organizer, draft(clock, starts_at=starts_at, ends_at=starts_at))
    assert "ends_at" in raised.value.details["fields"]


async def test_an_event_cannot_be_created_cancelled(
    catalog: CatalogService, organizer: Principal, clock: FakeClock
) -> None:
    with pytest.raises(errors.ValidationFailed):
        await catalog.create_event(organizer, draft(clock, status=EventStatus.CANCELLED))


async def test_a_draft_is_visible_to_its_organizer_only(
    catalog: CatalogService, new_event: NewEvent, organizer: Principal, customer: Principal, sign_up: SignUp
) -> None:
    event = await new_event(status=EventStatus.DRAFT)
    rival = await sign_up("rival@example.com", Role.ORGANIZER)
    admin = await sign_up("root@example.com", Role.ADMIN)

    assert (await catalog.get_event(event.id, viewer=organizer)).id == event.id
    assert (await catalog.get_event(event.id, viewer=admin)).id == event.id
    for viewer in (None, customer, rival):
        with pytest.raises(errors.NotFound):
            await catalog.get_event(event.id, viewer=viewer)
    assert (await catalog.list_events(EventFilter())).items == []


async def test_listing_shows_published_events_soonest_first(
    catalog: CatalogService, new_event: NewEvent, clock: FakeClock
) -> None:
    later = await new_event(title="Later", starts_at=clock.now() + timedelta(days=9))
    sooner = await new_event(title="Sooner", starts_at=clock.now() + timedelta(days=2))
    await new_event(title="Hidden", status=EventStatus.DRAFT)

    page = await catalog.list_events(EventFilter())

    assert [e.id for e in page.items] == [sooner.id, later.id]
    assert page.next_cursor is None


async def test_listing_filters_by_text_category_venue_and_dates(
    catalog: CatalogService, new_event: NewEvent, clock: FakeClock
) -> None:
    day = clock.now() + timedelta(days=10)
    jazz = await new_event(title="Late Jazz", category="music", venue="Blue Hall", starts_at=day)
    await new_event(title="Opera", category="music", venue="Opera House", starts_at=day + timedelta(days=5))
    await new_event(title="Derby", category="sport", venue="Stadium", starts_at=day - timedelta(days=5))

    async def titles(**flt: Any) -> list[str]:
        return sorted(e.title for e in (await catalog.list_events(EventFilter(**flt))).items)

    assert await titles(q="jazz") == ["Late Jazz"]
    assert await titles(category="MUSIC") == ["Late Jazz", "Opera"]
    assert await titles(venue="stadium") == ["Derby"]
    assert await titles(starts_after=day) == ["Late Jazz", "Opera"]
    assert await titles(starts_after=day, starts_before=day) == [jazz.title]


async def test_paging_through_events_shows_each_exactly_once(
    catalog: CatalogService, new_event: NewEvent, clock: FakeClock
) -> None:
    same_time = clock.now() + timedelta(days=3)  # ties on starts_at are broken by id
    created = [await new_event(title=f"Talk {i}", starts_at=same_time + timedelta(hours=i // 3)) for i in range(11)]

    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await catalog.list_events(EventFilter(), limit=4, cursor=cursor)
        seen += [e.id for e in page.items]
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    assert pages == 3
    assert len(seen) == len(set(seen)) == 11
    assert set(seen) == {e.id for e in created}
    assert seen == [e.id for e in sorted(created, key=lambda e: (e.starts_at, e.id))]


async def test_a_full_last_page_has_no_next_cursor(catalog: CatalogService, new_event: NewEvent) -> None:
    for _ in range(4):
        await new_event()

    first = await catalog.list_events(EventFilter(), limit=2)
    second = await catalog.list_events(EventFilter(), limit=2, cursor=first.next_cursor)

    assert first.next_cursor is not None
    assert len(second.items) == 2 and second.next_cursor is None


async def test_the_organizer_edits_title_and_capacity(
    catalog: CatalogService, new_event: NewEvent, organizer: Principal
) -> None:
    event = await new_event(capacity=10)

    updated = await catalog.update_event(organizer, event.id, {"title": "Jazz night II", "capacity": 25})

    assert (updated.title, updated.capacity, updated.seats_available) == ("Jazz night II", 25, 25)
    assert await catalog.get_event(event.id) == updated


async def test_capacity_cannot_drop_below_seats_held(
    catalog: CatalogService, new_event: NewEvent, organizer: Principal, customer: Principal, hold: Hold
) -> None:
    event = await new_event(capacity=10)
    await hold(customer, event, quantity=4)

    with pytest.raises(errors.CapacityBelowSold) as raised:
        await catalog.update_event(organizer, event.id, {"capacity": 3})

    assert raised.value.details == {"seats_taken": 4}
    assert (await catalog.get_event(event.id)).capacity == 10
    shrunk = await catalog.update_event(organizer, event.id, {"capacity": 4})
    assert (shrunk.capacity, shrunk.seats_available) == (4, 0)


async def test_an_invalid_edit_changes_nothing(
    catalog: CatalogService, new_event: NewEvent, organizer: Principal
) -> None:
    event = await new_event()

    with pytest.raises(errors.ValidationFailed):
        await catalog.update_event(organizer, event.id, {"title": "New title", "price_cents": -5})

    assert (await catalog.get_event(event.id)).title == event.title


async def test_unknown_fields_are_refused(catalog: CatalogService, new_event: NewEvent, organizer: Principal) -> None:
    event = await new_event()

    with pytest.raises(errors.ValidationFailed) as raised:
        await catalog.update_event(organizer, event.id, {"seats_available": 1000})
    assert raised.value.details["fields"] == {"seats_available": "unknown"}


async def test_someone_elses_event_cannot_be_edited_or_cancelled(
    catalog: CatalogService, new_event: NewEvent, sign_up: SignUp
) -> None:
    event = await new_event()
    rival = await sign_up("rival@example.com", Role.ORGANIZER)

    with pytest.raises(errors.NotFound):
        await catalog.update_event(rival, event.id, {"title": "Mine now"})
    with pytest.raises(errors.NotFound):
        await catalog.cancel_event(rival, event.id)


async def test_an_admin_may_edit_any_event(catalog: CatalogService, new_event: NewEvent, sign_up: SignUp) -> None:
    event = await new_event()
    admin = await sign_up("root@example.com", Role.ADMIN)

    assert (await catalog.update_event(admin, event.id, {"venue": "Annex"})).venue == "Annex"


async def test_cancelling_an_event_releases_holds_and_refunds_paid_bookings_once_reconciled(
    catalog: CatalogService,
    bookings: Answered,
    settlement: Settlement,
    gateway: FakeGateway,
    new_event: NewEvent,
    organizer: Principal,
    customer: Principal,
    other_customer: Principal,
    hold: Hold,
    pay: Pay,
) -> None:
    event = await new_event(capacity=10, price_cents=1500)
    unpaid = await hold(customer, event, quantity=3)
    paid = await pay(other_customer, await hold(other_customer, event, quantity=2))

    cancelled = await catalog.cancel_event(organizer, event.id)

    assert cancelled.status is EventStatus.CANCELLED
    assert cancelled.seats_available == 8  # the hold is back; the paid seats wait for their refund
    assert (await bookings.get(customer, booking_id=unpaid["id"]))["status"] == "cancelled"
    assert (await bookings.get(other_customer, booking_id=paid["id"]))["status"] == "confirmed"
    assert gateway.refunds == {}

    assert await settlement.reconcile() == 1

    refunded = await bookings.get(other_customer, booking_id=paid["id"])
    assert refunded["status"] == "cancelled" and refunded["payment"]["status"] == "refunded"
    assert gateway.refunded_references() == [paid["payment"]["reference"]]
    assert (await catalog.get_event(event.id)).seats_available == 10
    assert await settlement.reconcile() == 0  # nothing left to do, nothing refunded twice
    assert len(gateway.refunds) == 1


async def test_cancelling_an_event_twice_is_harmless(
    catalog: CatalogService, new_event: NewEvent, organizer: Principal
) -> None:
    event = await new_event()

    await catalog.cancel_event(organizer, event.id)
    again = await catalog.cancel_event(organizer, event.id)

    assert again.status is EventStatus.CANCELLED


async def test_a_cancelled_event_cannot_be_edited(
    catalog: CatalogService, new_event: NewEvent, organizer: Principal
) -> None:
    event = await new_event()
    await catalog.cancel_event(organizer, event.id)

    with pytest.raises(errors.EventCancelled):
        await catalog.update_event(organizer, event.id, {"title": "Back on"})


async def test_cancelling_with_a_charge_in_flight_refunds_it_once_it_lands(
    catalog: CatalogService,
    bookings: Answered,
    settlement: Settlement,
    gateway: FakeGateway,
    new_event: NewEvent,
    organizer: Principal,
    customer: Principal,
    clock: FakeClock,
    hold: Hold,
    pay: Pay,
) -> None:
    event = await new_event(capacity=5)
    booking = await hold(customer, event, quantity=2)
    with pytest.raises(errors.Timeout):
        await pay(customer, booking, card=SLOW_CARD)

    assert (await catalog.cancel_event(organizer, event.id)).seats_available == 3
    clock.advance(seconds=30)
    await settlement.reconcile()

    final = await bookings.get(customer, booking_id=booking["id"])
    assert final["status"] == "cancelled" and final["payment"]["status"] == "refunded"
    assert len(gateway.succeeded()) == 1 and len(gateway.refunds) == 1
    assert (await catalog.get_event(event.id)).seats_available == 5


async def test_the_sales_view_counts_confirmed_bookings_only(
    catalog: CatalogService,
    new_event: NewEvent,
    organizer: Principal,
    customer: Principal,
    hold: Hold,
    pay: Pay,
) -> None:
    event = await new_event(price_cents=1000)
    await pay(customer, await hold(customer, event, quantity=3))
    await hold(customer, event, quantity=2)  # held, not sold

    page = await catalog.organizer_events(organizer)

    assert [(s.event.id, s.seats_sold, s.revenue_cents) for s in page.items] == [(event.id, 3, 3000)]


async def test_the_sales_view_lists_own_events_newest_first_and_is_for_organizers(
    catalog: CatalogService, new_event: NewEvent, organizer: Principal, customer: Principal,
    sign_up: SignUp, clock: FakeClock,
) -> None:  # fmt: skip
    first = await new_event()
    clock.advance(minutes=1)
    second = await new_event(status=EventStatus.DRAFT)
    rival = await sign_up("rival@example.com", Role.ORGANIZER)
    await new_event(by=rival)

    page = await catalog.organizer_events(organizer)

    assert [s.event.id for s in page.items] == [second.id, first.id]
    with pytest.raises(errors.Forbidden):
        await catalog.organizer_events(customer)


async def test_an_event_that_fails_validation_is_not_stored(
    catalog: CatalogService, organizer: Principal, clock: FakeClock, store: InMemoryStore
) -> None:
    with pytest.raises(errors.ValidationFailed):
        await catalog.create_event(organizer, draft(clock, capacity=-1))

    assert store.tables["events"] == {}
