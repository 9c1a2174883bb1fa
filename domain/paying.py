"""Paying for a hold: claim the key and name the charge (one statement), charge, confirm (one statement).

The saga: the booking names the gateway key of its charge before the gateway is called, so a charge whose answer
never comes back is settled by the reconciler (domain/settlement.py); the gateway is idempotent by key, so a
retry with the same Idempotency-Key never charges twice.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from domain import errors, idempotency
from domain.accounts import Principal
from domain.model import Booking, BookingStatus
from domain.payments import Card
from domain.ports import Clock, PaymentGateway, UnitOfWorkFactory
from domain.records import booking_from_record, booking_record
from domain.settlement import Settlement, new_payment

ATTEMPTS = 3  # a claim that lost a race with a change to the booking gives its key back and looks again


@dataclass(frozen=True)
class PayRequest:
    booking_id: str
    card_number: str
    exp_month: int
    exp_year: int
    cvc: str
    idempotency_key: str

    @property
    def request_hash(self) -> str:
        # The card enters the fingerprint only as a 32-bit digest: tells two cards apart, useless to recover one.
        digest = hashlib.sha256(f"{self.idempotency_key}:{self.card_number}:{self.cvc}".encode()).hexdigest()[:8]
        body = {"booking_id": self.booking_id, "card": [digest, self.card_number[-4:], self.exp_month, self.exp_year]}
        return idempotency.fingerprint("pay", body)

    @property
    def charge_key(self) -> str:
        """The gateway's key for this payment: one charge per booking and Idempotency-Key, whatever the retries."""
        return f"{self.booking_id}:{hashlib.sha256(self.idempotency_key.encode()).hexdigest()[:32]}"


class Payments:
    def __init__(
        self, *, uow: UnitOfWorkFactory, gateway: PaymentGateway, clock: Clock, settlement: Settlement
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._settlement = settlement

    async def pay(self, principal: Principal, request: PayRequest) -> Booking:
        key = idempotency.check_key(request.idempotency_key)
        user = principal.user_id
        request_hash = request.request_hash
        card = Card.parse(request.card_number, request.exp_month, request.exp_year, request.cvc, now=self._clock.now())
        for _ in range(ATTEMPTS):
            now = self._clock.now()
            claim = idempotency.stored(user, key, request_hash, None, now)
            async with self._uow(autocommit=True) as uow:
                start = await uow.bookings.start_charge(request.booking_id, user, request.charge_key, claim)
                await uow.commit()
            if start.started and start.booking is not None:
                return await self._charge(start.booking, card, (user, key), request.charge_key)
            if start.claimed:  # the booking changed between the check and its row lock: free the key, look again
                await self._release((user, key))
                continue
            if start.prior is not None:
                return booking_from_record(idempotency.replay(start.prior, request_hash))
            try:
                return await self._already_paid(start.booking, user, request.charge_key, (user, key), request_hash, now)
            except _LookAgain:
                continue
        raise errors.Unavailable("This booking is busy; try again shortly.", retry_after=1)

    async def _already_paid(
        self,
        booking: Booking | None,
        user: str,
        charge_key: str,
        key: tuple[str, str],
        request_hash: str,
        now: datetime,
    ) -> Booking:
        """Why the charge did not start: the booking paid by this very charge (answered), or the refusal (raised)."""
        if booking is None or booking.user_id != user:
            refusal: errors.DomainError = errors.NotFound("No such booking.")  # another user's is not revealed
        elif booking.status is BookingStatus.CONFIRMED and booking.payment is not None:
            result = await self._gateway.settle(charge_key)
            if result.succeeded and result.reference == booking.payment.reference:
                # Confirmed by this very charge: the reconciler settled it while this request's answer was lost.
                await self._remember(key, request_hash, idempotency.success(booking_record(booking)), now)
                return booking
            refusal = errors.BookingNotPending("This booking is already paid.", status=booking.status.value)
        elif booking.status is not BookingStatus.PENDING or booking.cancel_requested_at is not None:
            refusal = errors.BookingNotPending(f"This booking is {booking.status.value}.", status=booking.status.value)
        elif booking.charge_key == charge_key:
            refusal = errors.IdempotencyInProgress()  # the same key's first request is charging right now
        elif booking.charge_key is not None:
            # Another payment's charge is in flight. Once it is older than any request could still be on its way
            # to the gateway, settle it now (as the reconciler would) rather than make the buyer wait for that;
            # before, settling would void a charge about to land and decline a good card.
            if self._settlement.may_settle(booking, now):
                await self._settlement.settle_charge(booking.id)
                raise _LookAgain()
            refusal = errors.PaymentInProgress()
        elif booking.expires_at <= now:
            refusal = errors.HoldExpired()
        else:
            raise _LookAgain()  # payable now: it changed after the statement's snapshot
        if idempotency.is_final(refusal):
            await self._remember(key, request_hash, idempotency.failure(refusal), now)
        raise refusal

    async def _charge(self, booking: Booking, card: Card, key: tuple[str, str], charge_key: str) -> Booking:
        try:
            result = await self._gateway.charge(
                key=charge_key, amount_cents=booking.amount_cents, currency=booking.currency, card=card
            )
        except errors.Overloaded:  # refused before it ran: nothing was charged, the hold is payable again
            await self._end(booking.id, charge_key, key, None)
            raise
        except BaseException:  # the outcome is unknown: the booking keeps naming the charge for the reconciler
            await self._release(key)
            raise
        now = self._clock.now()
        if result.declined:
            declined = errors.PaymentDeclined(code=result.decline_code or "card_declined")
            await self._end(booking.id, charge_key, key, idempotency.failure(declined))
            raise declined
        if not result.succeeded:
            await self._release(key)
            raise errors.Timeout("The payment is still being processed; retry with the same Idempotency-Key.")
        booking.confirm(new_payment(booking, result, now), now)
        async with self._uow(autocommit=True) as uow:
            if await uow.bookings.confirm_charge(
                booking, charge_key, key, idempotency.success(booking_record(booking))
            ):
                await uow.commit()
                return booking
            current = await uow.bookings.get(booking.id)
        paid = current.payment if current is not None and current.status is BookingStatus.CONFIRMED else None
        if current is not None and paid is not None and paid.reference == result.reference:
            # The reconciler confirmed it with this very charge while the gateway's answer was on its way.
            await self._complete(key, idempotency.success(booking_record(current)))
            return current
        refusal = errors.BookingNotPending()
        await self._complete(key, idempotency.failure(refusal))
        raise refusal

    async def _remember(
        self, key: tuple[str, str], request_hash: str, outcome: dict[str, object], now: datetime
    ) -> None:
        async with self._uow(autocommit=True) as uow:
            await uow.idempotency.remember(idempotency.stored(*key, request_hash, outcome, now))
            await uow.commit()

    async def _complete(self, key: tuple[str, str], outcome: dict[str, object]) -> None:
        async with self._uow(autocommit=True) as uow:
            await uow.idempotency.complete(*key, outcome)
            await uow.commit()

    async def _release(self, key: tuple[str, str]) -> None:
        async with self._uow(autocommit=True) as uow:
            await uow.idempotency.release(*key)
            await uow.commit()

    async def _end(
        self, booking_id: str, charge_key: str, key: tuple[str, str], outcome: dict[str, object] | None
    ) -> None:
        async with self._uow(autocommit=True) as uow:
            await uow.bookings.end_charge(booking_id, charge_key, key, outcome)
            await uow.commit()


class _LookAgain(Exception):
    """The booking became payable after the statement looked: start again."""
