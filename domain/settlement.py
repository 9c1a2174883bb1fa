"""Background settlement: expire unpaid holds, settle charges of unknown outcome, finish refunds.

Every step re-reads the booking under a row lock and checks it is still in the state that called for it,
so any number of Booking replicas may run these loops at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from domain import errors
from domain.model import Booking, Payment, PaymentStatus, new_id
from domain.payments import ChargeResult
from domain.ports import Clock, PaymentGateway, UnitOfWorkFactory
from domain.ticket_codes import TicketCodes
from domain.tickets import new_tickets, process_codes
from domain.waitlist import HOLD_FOR, offer_seats

log = logging.getLogger(__name__)


class Settlement:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        settle_after: timedelta,
        hold_for: timedelta = HOLD_FOR,  # of the holds offered to the waiting list
        codes: TicketCodes | None = None,  # what confirmed bookings' tickets are issued under
    ) -> None:
        self.codes = codes or process_codes()
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._settle_after = settle_after
        self._hold_for = hold_for

    async def reap_expired(self, limit: int = 200) -> int:
        """Release the seats of holds not paid by their expiry (no charge in flight), to the waiting list first."""
        now = self._clock.now()
        async with self._uow() as uow:
            # Lock event rows in one global order, so two replicas reaping together cannot deadlock.
            expired = sorted(await uow.bookings.claim_expired(now, limit), key=lambda b: (b.event_id, b.id))
            for booking in expired:
                booking.expire(now)
                await uow.events.release(booking)
                await uow.bookings.save(booking)
            for event_id in sorted({b.event_id for b in expired}):  # under the event locks the releases took
                await offer_seats(uow, event_id, now, self._hold_for)
            await uow.commit()
        return len(expired)

    async def reconcile(self, limit: int = 100) -> int:
        """Settle charges whose answer never came back, and finish cancellations whose refund did not."""
        now = self._clock.now()
        async with self._uow(autocommit=True) as uow:
            ids = await uow.bookings.unsettled_ids(now - self._settle_after, limit)
        done = 0
        for booking_id in ids:
            try:
                await self.settle_charge(booking_id)
                await self.finish_cancellation(booking_id)
                done += 1
            except errors.DomainError as error:  # the gateway is slow or down: the next round tries again
                log.warning("could not settle booking %s yet: %s", booking_id, error.code)
        return done

    async def purge_idempotency_keys(self, older_than: timedelta) -> int:
        async with self._uow() as uow:
            purged = await uow.idempotency.purge(self._clock.now() - older_than)
            await uow.commit()
        return purged

    def may_settle(self, booking: Booking, now: datetime) -> bool:
        """Whether the booking's in-flight charge is old enough that no request can still be bringing it."""
        started = booking.charge_started_at
        return booking.charge_key is not None and started is not None and started <= now - self._settle_after

    async def settle_charge(self, booking_id: str) -> None:
        """Ask the gateway how the booking's in-flight charge ended and act on it."""
        async with self._uow(autocommit=True) as uow:
            booking = await uow.bookings.get(booking_id)
        if booking is None or booking.charge_key is None:
            return
        key = booking.charge_key
        result = await self._gateway.settle(key)
        now = self._clock.now()
        async with self._uow() as uow:
            booking = await uow.bookings.get_for_update(booking_id)
            if booking is None or booking.charge_key != key:
                return  # settled meanwhile by the request itself or another replica
            if result.succeeded:
                # The seats were never released while the charge was in flight, so confirming is safe.
                booking.confirm(new_payment(booking, result, now), now)
            elif result.declined:
                booking.clear_charge()
                if booking.expires_at <= now or booking.cancel_requested_at is not None:
                    booking.expire(now) if booking.cancel_requested_at is None else booking.cancel(now)
                    await uow.events.release(booking)
                    await offer_seats(uow, booking.event_id, now, self._hold_for)
            else:
                return  # still processing at the gateway
            await uow.bookings.save(booking)
            if result.succeeded:  # its tickets, in the transaction that confirms it
                await uow.tickets.issue(new_tickets(self.codes, booking), now)
            await uow.commit()

    async def finish_cancellation(self, booking_id: str) -> Booking:
        """Refund (idempotently, by payment id) a booking whose cancellation was asked for, then release it."""
        async with self._uow(autocommit=True) as uow:
            booking = await uow.bookings.get(booking_id)
        if booking is None:
            raise errors.NotFound("No such booking.")
        if booking.cancel_requested_at is None or booking.charge_key is not None:
            return booking
        payment = booking.payment
        if payment is not None and payment.status is PaymentStatus.SUCCEEDED:
            await self._gateway.refund(
                key=f"refund:{payment.id}", charge_reference=payment.reference, amount_cents=payment.amount_cents
            )
        now = self._clock.now()
        async with self._uow() as uow:
            booking = await uow.bookings.get_for_update(booking_id)
            assert booking is not None
            if booking.cancel_requested_at is None:
                return booking
            if booking.holds_seats:
                await uow.events.release(booking)
                await offer_seats(uow, booking.event_id, now, self._hold_for)
            booking.cancel(now)
            await uow.bookings.save(booking)
            # Void already when the cancellation was asked for; again here for tickets a charge that landed since
            # then issued (a late success is confirmed first, then cancelled and refunded).
            await uow.tickets.void_for_booking(booking.id, now)
            await uow.commit()
        return booking


def new_payment(booking: Booking, result: ChargeResult, now: datetime) -> Payment:
    return Payment(
        new_id(), booking.id, PaymentStatus.SUCCEEDED, result.reference,
        booking.amount_cents, booking.currency, result.card_last4, now,
    )  # fmt: skip
