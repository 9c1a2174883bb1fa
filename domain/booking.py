"""Bookings: holds (domain/holding.py), payments (domain/paying.py), cancellations, and what a buyer reads."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from domain import errors
from domain.accounts import Principal
from domain.batching import Coalescer
from domain.holding import Answer, HoldRequest, Holds
from domain.model import Booking, BookingPolicy, BookingStatus, Event
from domain.pagination import Page, Position, check_limit, decode_cursor, encode_cursor
from domain.paying import Answer as PayAnswer
from domain.paying import Payments, PayRequest, booking_of
from domain.ports import Clock, PaymentGateway, UnitOfWork, UnitOfWorkFactory
from domain.settlement import Settlement
from domain.ticket_codes import TicketCodes
from domain.ticket_types import with_ticket_types
from domain.waitlist import Joined, Waitlist, WaitlistView, offer_seats

log = logging.getLogger(__name__)
PAYMENT_REPORTS = "payment-reports"  # the inbox's consumer name for the provider's reports (webhook events)


@dataclass(frozen=True)
class Receipt:
    booking: Booking
    event: Event


class BookingService:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        policy: BookingPolicy | None = None,
        read_uow: UnitOfWorkFactory | None = None,
        settle_after: timedelta = timedelta(seconds=10),
        charge_wait: timedelta = timedelta(0),
        payment_sources: frozenset[str] | None = None,
        ticket_codes: TicketCodes | None = None,  # the platform's (adapters/security.py); None: this process's own
    ) -> None:
        self._uow = uow
        self._read_uow = read_uow or uow
        self._clock = clock
        self.policy = policy or BookingPolicy()
        self.settlement = Settlement(
            uow=uow, gateway=gateway, clock=clock, settle_after=settle_after, hold_for=self.policy.hold_for,
            codes=ticket_codes,
        )  # fmt: skip
        self.holds = Holds(uow=uow, clock=clock, policy=self.policy)
        self.payments = Payments(
            uow=uow,
            gateway=gateway,
            clock=clock,
            settlement=self.settlement,
            charge_wait=charge_wait,
            sources=payment_sources,
        )
        self.waitlist = Waitlist(
            uow=uow,
            read_uow=read_uow,
            clock=clock,
            policy=self.policy,
            cancel=lambda principal, booking_id: self.cancel(principal, booking_id=booking_id),
        )

    async def hold(self, request: HoldRequest) -> Booking:
        """Hold seats until the hold expires; the booking is pending until paid."""
        (answer,) = await self.holds.hold_many([request])
        if isinstance(answer, errors.DomainError):
            raise answer
        return answer

    async def hold_many(self, requests: Sequence[HoldRequest]) -> list[Answer]:
        """Many holds at once (group commit): each request's booking or refusal, in order."""
        return await self.holds.hold_many(requests)

    async def pay(self, principal: Principal, request: PayRequest) -> Booking:
        """Charge the card and confirm the booking; declined leaves it pending until it expires."""
        return await self.payments.pay(principal, request)

    async def pay_many(self, items: Sequence[tuple[Principal, PayRequest]]) -> list[PayAnswer]:
        """Many payments at once: each one's confirmed booking or refusal, in order."""
        return await self.payments.pay_many(items)

    async def cancel(self, principal: Principal, *, booking_id: str) -> Booking:
        """Cancel: a hold releases its seats now; a paid booking is refunded, then released."""
        for _ in range(2):
            now = self._clock.now()
            async with self._uow() as uow:
                booking = await self._own_for_update(uow, principal, booking_id)
                if booking.status is BookingStatus.CANCELLED:
                    return booking
                if booking.status is BookingStatus.EXPIRED:
                    raise errors.BookingNotPending("This hold has already expired.", status="expired")
                in_flight = booking.charge_key is not None
                if not in_flight:
                    if booking.status is BookingStatus.PENDING:
                        booking.cancel(now)
                        await uow.events.release(booking)
                        await offer_seats(uow, booking.event_id, now, self.policy.hold_for)
                    else:  # paid: refunded next, then released; its tickets stop working now, as asked
                        booking.cancel_requested_at = booking.cancel_requested_at or now
                        await uow.tickets.void_for_booking(booking.id, now)
                    await uow.bookings.save(booking)
                    await uow.commit()
            if in_flight:
                await self.settlement.settle_charge(booking_id)
                continue
            if booking.status is BookingStatus.CANCELLED:
                return booking
            return await self.settlement.finish_cancellation(booking_id)
        raise errors.PaymentInProgress()

    async def payment_reported(self, *, report_id: str, charge_key: str) -> bool:
        """The payment provider reported that a charge ended (a webhook): settle it now rather than at the
        reconciler's next round. Once per report: False for a redelivery. A settlement that fails here (the
        provider is slow) is left to the reconciler."""
        message_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"payment-report:{report_id}"))
        async with self._uow() as uow:
            fresh = await uow.inbox.claim(PAYMENT_REPORTS, message_id, self._clock.now())
            await uow.commit()
        if fresh:
            try:
                await self.settlement.settle_charge(booking_of(charge_key))
            except errors.DomainError as error:
                log.warning("reported charge %s left to the reconciler: %s", charge_key, error.code)
        return fresh

    async def get(self, principal: Principal, *, booking_id: str) -> Booking:
        async with self._read_uow(autocommit=True) as uow:
            return await self._own(uow, principal, booking_id)

    async def waitlist_join(self, principal: Principal, *, event_id: str, quantity: int) -> Joined:
        """Wait for seats of a sold-out event (domain/waitlist.py)."""
        return await self.waitlist.join(principal, event_id=event_id, quantity=quantity)

    async def waitlist_get(self, principal: Principal, *, event_id: str) -> WaitlistView:
        return await self.waitlist.get(principal, event_id=event_id)

    async def waitlist_leave(self, principal: Principal, *, event_id: str) -> None:
        await self.waitlist.leave(principal, event_id=event_id)

    async def receipt(self, principal: Principal, *, booking_id: str) -> Receipt:
        async with self._read_uow(autocommit=True) as uow:
            booking = await self._own(uow, principal, booking_id)
            if booking.status is not BookingStatus.CONFIRMED:
                raise errors.BookingNotConfirmed(status=booking.status.value)
            event = await uow.events.get(booking.event_id)
            assert event is not None
            await with_ticket_types(uow, [event])
        return Receipt(booking, event)

    async def list(self, principal: Principal, *, limit: int = 20, cursor: str | None = None) -> Page[Booking]:
        check_limit(limit)
        async with self._read_uow(autocommit=True) as uow:
            rows = await uow.bookings.list_for_user(principal.user_id, decode_cursor(cursor), limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = encode_cursor(Position(rows[-1].created_at, rows[-1].id)) if more and rows else None
        return Page(rows, nxt)

    @staticmethod
    async def _own(uow: UnitOfWork, principal: Principal, booking_id: str) -> Booking:
        booking = await uow.bookings.get(booking_id)
        if booking is None or booking.user_id != principal.user_id:
            raise errors.NotFound("No such booking.")  # another user's booking is not revealed
        return booking

    @staticmethod
    async def _own_for_update(uow: UnitOfWork, principal: Principal, booking_id: str) -> Booking:
        booking = await uow.bookings.get_for_update(booking_id)
        if booking is None or booking.user_id != principal.user_id:
            raise errors.NotFound("No such booking.")
        return booking


class BatchedBookings:
    """The booking use cases with holds and payments batched in this process, the way the Api replica batches
    them towards the Booking deployment: the same `hold_many` and `pay_many` run for both."""

    def __init__(self, service: BookingService, *, max_size: int = 64, at_once: int = 2) -> None:
        self.service = service
        self._holds: Coalescer[HoldRequest, Answer] = Coalescer(service.hold_many, max_size=max_size, at_once=at_once)
        self._pays: Coalescer[tuple[Principal, PayRequest], PayAnswer] = Coalescer(
            service.pay_many, max_size=max_size, at_once=at_once
        )

    async def hold(self, request: HoldRequest) -> Booking:
        return _raised(await self._holds(request))

    async def pay(self, principal: Principal, request: PayRequest) -> Booking:
        return _raised(await self._pays((principal, request)))

    async def cancel(self, principal: Principal, *, booking_id: str) -> Booking:
        return await self.service.cancel(principal, booking_id=booking_id)

    async def payment_reported(self, *, report_id: str, charge_key: str) -> bool:
        return await self.service.payment_reported(report_id=report_id, charge_key=charge_key)

    async def get(self, principal: Principal, *, booking_id: str) -> Booking:
        return await self.service.get(principal, booking_id=booking_id)

    async def waitlist_join(self, principal: Principal, *, event_id: str, quantity: int) -> Joined:
        return await self.service.waitlist_join(principal, event_id=event_id, quantity=quantity)

    async def waitlist_get(self, principal: Principal, *, event_id: str) -> WaitlistView:
        return await self.service.waitlist_get(principal, event_id=event_id)

    async def waitlist_leave(self, principal: Principal, *, event_id: str) -> None:
        await self.service.waitlist_leave(principal, event_id=event_id)

    async def receipt(self, principal: Principal, *, booking_id: str) -> Receipt:
        return await self.service.receipt(principal, booking_id=booking_id)

    async def list(self, principal: Principal, *, limit: int = 20, cursor: str | None = None) -> Page[Booking]:
        return await self.service.list(principal, limit=limit, cursor=cursor)


def _raised(answer: Answer) -> Booking:
    if isinstance(answer, errors.DomainError):
        raise answer
    return answer
