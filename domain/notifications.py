"""E-mails to customers about their bookings, one per fact, however often the fact is delivered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.accounts import User
from domain.messages import BOOKING_CANCELLED, BOOKING_CONFIRMED, BOOKING_EXPIRED, WAITLIST_OFFERED, Message
from domain.model import Booking, Event
from domain.ports import Clock, UnitOfWorkFactory

CONSUMER = "notifications"


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


class Mailer(Protocol):
    async def send(self, email: Email) -> None: ...


class NotificationService:
    def __init__(self, *, uow: UnitOfWorkFactory, mailer: Mailer, clock: Clock) -> None:
        self._uow = uow
        self._mailer = mailer
        self._clock = clock

    async def handle(self, message: Message) -> bool:
        """Send the e-mail a message calls for; False when there is none or it was sent already."""
        compose = _TEMPLATES.get(message.topic)
        if compose is None:
            return False
        async with self._uow() as uow:
            if not await uow.inbox.claim(CONSUMER, message.id, self._clock.now()):
                return False
            found = await uow.bookings.with_buyer_and_event(message.payload["booking_id"])
            if found is None:
                return False  # nothing left to tell anyone about; the claim is kept so it is not retried
            booking, user, event = found
            # Sent inside the transaction: if sending fails the claim rolls back and the broker redelivers.
            await self._mailer.send(compose(user, booking, event))
            await uow.commit()
        return True


def _money(cents: int, currency: str) -> str:
    return f"{cents / 100:.2f} {currency}"


def _confirmed(user: User, booking: Booking, event: Event) -> Email:
    payment = booking.payment
    lines = [
        f"Hello {user.name},",
        "",
        f"your booking for {event.title} is confirmed.",
        "",
        f"Receipt number:    {booking.receipt_number}",
        f"Event:             {event.title}, {event.venue}, {event.starts_at:%Y-%m-%d %H:%M} UTC",
        f"Seats:             {booking.quantity}",
        f"Amount paid:       {_money(booking.amount_cents, booking.currency)}",
        f"Payment reference: {payment.reference if payment else '-'}",
        f"Card:              **** {payment.card_last4 if payment else '----'}",
        "",
        f"Booking id: {booking.id}",
    ]
    return Email(user.email, f"Your tickets for {event.title} — receipt {booking.receipt_number}", "\n".join(lines))


def _cancelled(user: User, booking: Booking, event: Event) -> Email:
    refund = (
        f"The payment of {_money(booking.amount_cents, booking.currency)} has been refunded to your card."
        if booking.payment is not None and booking.payment.status.value == "refunded"
        else "No payment was taken."
    )
    body = f"Hello {user.name},\n\nyour booking for {event.title} is cancelled. {refund}\n\nBooking id: {booking.id}"
    return Email(user.email, f"Booking cancelled: {event.title}", body)


def _expired(user: User, booking: Booking, event: Event) -> Email:
    body = (
        f"Hello {user.name},\n\nyour hold on {booking.quantity} seat(s) for {event.title} expired before payment, "
        f"so the seats went back on sale. Nothing was charged.\n\nBooking id: {booking.id}"
    )
    return Email(user.email, f"Your hold expired: {event.title}", body)


def _offered(user: User, booking: Booking, event: Event) -> Email:
    body = (
        f"Hello {user.name},\n\n{booking.quantity} seat(s) for {event.title} came free, and they are held for you: "
        f"pay {_money(booking.amount_cents, booking.currency)} by {booking.expires_at:%Y-%m-%d %H:%M} UTC to keep "
        f"them. After that they go to the next person on the waiting list.\n\nBooking id: {booking.id}"
    )
    return Email(user.email, f"Seats held for you: {event.title}", body)


_TEMPLATES = {
    BOOKING_CONFIRMED: _confirmed,
    BOOKING_CANCELLED: _cancelled,
    BOOKING_EXPIRED: _expired,
    WAITLIST_OFFERED: _offered,
}
