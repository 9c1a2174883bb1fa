"""Messages go to the outbox in the same commit as their change; e-mails go out once per message."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain import errors
from domain.accounts import Principal
from domain.catalog import CatalogService
from domain.messages import Message
from domain.model import EventStatus
from domain.notifications import Email, NotificationService
from domain.settlement import Settlement
from tests.fakes import FakeClock, InMemoryStore
from tests.unit.conftest import Answered, Hold, NewEvent, Pay


class RecordingMailer:
    def __init__(self) -> None:
        self.sent: list[Email] = []
        self.fail_next = 0

    async def send(self, email: Email) -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("SMTP server went away")
        self.sent.append(email)


def outbox(store: InMemoryStore) -> list[Message]:
    return list(store.tables["outbox"].values())


def topics(store: InMemoryStore) -> list[str]:
    return sorted(m.topic for m in outbox(store))


@pytest.fixture
def mailer() -> RecordingMailer:
    return RecordingMailer()


@pytest.fixture
def notifications(uow: Any, mailer: RecordingMailer, clock: FakeClock) -> NotificationService:
    return NotificationService(uow=uow, mailer=mailer, clock=clock)


async def test_publishing_an_event_writes_event_published_and_a_draft_writes_nothing(
    new_event: NewEvent, store: InMemoryStore
) -> None:
    await new_event(status=EventStatus.DRAFT)
    assert topics(store) == []
    event = await new_event()
    assert topics(store) == ["event.published"]
    assert outbox(store)[0].payload["event_id"] == event.id


async def test_a_hold_alone_tells_nobody_but_a_paid_booking_writes_confirmed_and_payment_succeeded(
    new_event: NewEvent, hold: Hold, pay: Pay, customer: Principal, store: InMemoryStore
) -> None:
    event = await new_event()
    store.tables["outbox"].clear()
    booking = await hold(customer, event)
    assert topics(store) == []
    confirmed = await pay(customer, booking)
    assert topics(store) == ["booking.confirmed", "payment.succeeded"]
    message = next(m for m in outbox(store) if m.topic == "booking.confirmed")
    assert message.payload["booking_id"] == booking["id"] and message.payload["user_id"] == customer.user_id
    assert message.payload["payment_reference"] == confirmed["payment"]["reference"]


async def test_a_declined_payment_writes_no_message(
    new_event: NewEvent, hold: Hold, pay: Pay, customer: Principal, store: InMemoryStore
) -> None:
    event = await new_event()
    booking = await hold(customer, event)
    store.tables["outbox"].clear()
    with pytest.raises(errors.PaymentDeclined):
        await pay(customer, booking, card="4000 0000 0000 0002")
    assert topics(store) == []


async def test_cancelling_a_paid_booking_writes_cancelled_and_refunded(
    new_event: NewEvent, hold: Hold, pay: Pay, customer: Principal, bookings: Answered, store: InMemoryStore
) -> None:
    booking = await pay(customer, await hold(customer, await new_event()))
    store.tables["outbox"].clear()
    await bookings.cancel(customer, booking_id=booking["id"])
    assert topics(store) == ["booking.cancelled", "payment.refunded"]


async def test_an_expired_hold_writes_booking_expired(
    new_event: NewEvent, hold: Hold, customer: Principal, settlement: Settlement, clock: FakeClock, store: InMemoryStore
) -> None:
    await hold(customer, await new_event())
    store.tables["outbox"].clear()
    clock.advance(timedelta(minutes=11))
    assert await settlement.reap_expired() == 1
    assert topics(store) == ["booking.expired"]


async def test_cancelling_an_event_writes_event_cancelled_and_one_cancellation_per_hold(
    new_event: NewEvent,
    hold: Hold,
    customer: Principal,
    organizer: Principal,
    catalog: CatalogService,
    store: InMemoryStore,
) -> None:
    event = await new_event()
    await hold(customer, event)
    store.tables["outbox"].clear()
    await catalog.cancel_event(organizer, event.id)
    assert topics(store) == ["booking.cancelled", "event.cancelled"]


async def test_a_confirmed_booking_mails_exactly_one_receipt_even_when_delivered_twice(
    new_event: NewEvent, hold: Hold, pay: Pay, customer: Principal, store: InMemoryStore,
    notifications: NotificationService, mailer: RecordingMailer,
) -> None:  # fmt: skip
    paid = await pay(customer, await hold(customer, await new_event()))
    message = next(m for m in outbox(store) if m.topic == "booking.confirmed")
    assert await notifications.handle(message) is True
    assert await notifications.handle(message) is False
    assert len(mailer.sent) == 1
    receipt = store.get("bookings", paid["id"]).receipt_number
    assert receipt in mailer.sent[0].subject and receipt in mailer.sent[0].body
    assert mailer.sent[0].to == "ada@example.com"


async def test_a_failed_send_is_not_remembered_so_the_redelivery_sends_it(
    new_event: NewEvent, hold: Hold, pay: Pay, customer: Principal, store: InMemoryStore,
    notifications: NotificationService, mailer: RecordingMailer,
) -> None:  # fmt: skip
    await pay(customer, await hold(customer, await new_event()))
    message = next(m for m in outbox(store) if m.topic == "booking.confirmed")
    mailer.fail_next = 1
    with pytest.raises(ConnectionError):
        await notifications.handle(message)
    assert await notifications.handle(message) is True
    assert len(mailer.sent) == 1


async def test_messages_that_call_for_no_email_are_ignored(
    notifications: NotificationService, mailer: RecordingMailer
) -> None:
    assert await notifications.handle(Message("payment.succeeded", {"booking_id": "x"})) is False
    assert await notifications.handle(Message("event.published", {"event_id": "x"})) is False
    assert mailer.sent == []
