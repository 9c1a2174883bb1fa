"""E-mails to customers about their bookings, one per fact, however often the fact is delivered.

The confirmation carries the booking's tickets as a PDF, made when the e-mail is sent, not when the booking is
confirmed: the outbox's message names the booking and nothing more. A PDF of ten tickets is tens of kilobytes; put
in the message it would cross the outbox table, the broker and its dead-letter queue for every booking, and making
it would add its CPU to the payment's path, which confirms bookings by the batch. The tickets it shows are written
in the same transaction as the message, so the sender always finds them (a redelivery renders the same tickets).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from domain.accounts import User
from domain.messages import BOOKING_CANCELLED, BOOKING_CONFIRMED, BOOKING_EXPIRED, WAITLIST_OFFERED, Message
from domain.model import Booking, Event
from domain.ports import Clock, UnitOfWorkFactory
from domain.tickets import Ticket, TicketStatus

CONSUMER = "notifications"
PDF = "application/pdf"
TICKETS_ATTACHED = "Your tickets are attached, one page each: show its QR code at the door, printed or on your phone."


@dataclass(frozen=True)
class Attachment:
    filename: str
    media_type: str  # e.g. application/pdf
    content: bytes


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()


class Mailer(Protocol):
    async def send(self, email: Email) -> None: ...


class TicketsPdf(Protocol):
    async def __call__(self, event: Event, tickets: Sequence[Ticket]) -> bytes:
        """One page per ticket (adapters/ticket_render.py)."""
        ...


class NotificationService:
    def __init__(
        self, *, uow: UnitOfWorkFactory, mailer: Mailer, clock: Clock, tickets_pdf: TicketsPdf | None = None
    ) -> None:
        self._uow = uow
        self._mailer = mailer
        self._clock = clock
        self._tickets_pdf = tickets_pdf  # None: confirmations go without their tickets attached

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
            email = compose(user, booking, event)
            if message.topic == BOOKING_CONFIRMED and self._tickets_pdf is not None:
                # Void ones are left out (cancelled before this was sent); one confirmed before tickets has none.
                tickets = [t for t in await uow.tickets.for_booking(booking.id) if t.status is not TicketStatus.VOID]
                if tickets:
                    pdf = await self._tickets_pdf(event, tickets)
                    attached = (Attachment(f"tickets-{booking.id}.pdf", PDF, pdf),)
                    email = replace(email, body=f"{email.body}\n\n{TICKETS_ATTACHED}", attachments=attached)
            # Sent inside the transaction: if sending fails the claim rolls back and the broker redelivers.
            await self._mailer.send(email)
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
