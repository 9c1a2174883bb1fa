"""What becomes of payments once the gateway has answered, or when their charge could not start: the steps of
domain/paying.py that write answers (confirmations, refusals to keep, keys given back)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain import errors, idempotency
from domain.model import Booking, BookingStatus
from domain.payments import ChargeResult
from domain.ports import ChargeEnd, Confirmation, PaymentGateway, UnitOfWorkFactory
from domain.records import booking_record
from domain.settlement import Settlement, new_payment
from domain.tickets import new_tickets

if TYPE_CHECKING:
    from domain.paying import Answer, PayRequest, _Payment


class Outcomes:
    def __init__(self, *, uow: UnitOfWorkFactory, gateway: PaymentGateway, settlement: Settlement) -> None:
        self._uow = uow
        self._gateway = gateway
        self._settlement = settlement

    async def why_not(
        self, booking: Booking | None, key: tuple[str, str], request: PayRequest, now: datetime
    ) -> Answer | None:
        """Why a charge did not start: the booking paid by this very charge, a refusal, or None (look again)."""
        if booking is None or booking.user_id != key[0]:
            refusal: errors.DomainError = errors.NotFound("No such booking.")  # another user's is not revealed
        elif booking.status is BookingStatus.CONFIRMED and booking.payment is not None:
            result = await self._gateway.settle(request.charge_key)
            if result.succeeded and result.reference == booking.payment.reference:
                # Confirmed by this very charge: the reconciler settled it while this request's answer was lost.
                await self.remember(key, request.request_hash, idempotency.success(booking_record(booking)), now)
                return booking
            refusal = errors.BookingNotPending("This booking is already paid.", status=booking.status.value)
        elif booking.status is not BookingStatus.PENDING or booking.cancel_requested_at is not None:
            refusal = errors.BookingNotPending(f"This booking is {booking.status.value}.", status=booking.status.value)
        elif booking.charge_key == request.charge_key:
            refusal = errors.IdempotencyInProgress()  # the same key's first request is charging right now
        elif booking.charge_key is not None:
            # Another payment's charge is in flight. Once it is older than any request could still be on its way
            # to the gateway, settle it now (as the reconciler would) rather than make the buyer wait for that;
            # before, settling would void a charge about to land and decline a good card.
            if self._settlement.may_settle(booking, now):
                await self._settlement.settle_charge(booking.id)
                return None
            refusal = errors.PaymentInProgress()
        elif booking.expires_at <= now:
            refusal = errors.HoldExpired()
        else:
            return None  # payable now: it changed after the statement's snapshot
        if idempotency.is_final(refusal):
            await self.remember(key, request.request_hash, idempotency.failure(refusal), now)
        return refusal

    async def record(
        self, started: Sequence[tuple[int, _Payment, Booking]], results: Sequence[ChargeResult], now: datetime
    ) -> dict[int, Answer]:
        """Write what the gateway said: confirmations, declines kept as answers, keys given back when undecided."""
        answers: dict[int, Answer] = {}
        endings: list[ChargeEnd] = []
        undecided: list[tuple[str, str]] = []
        confirmations: list[tuple[int, Confirmation, ChargeResult]] = []
        for (i, payment, booking), result in zip(started, results, strict=True):
            charge_key = payment.request.charge_key
            if result.declined:
                declined = errors.PaymentDeclined(code=result.decline_code or "card_declined")
                endings.append(ChargeEnd(booking.id, charge_key, payment.key, idempotency.failure(declined)))
                answers[i] = declined
            elif result.succeeded:
                booking.confirm(new_payment(booking, result, now), now)
                outcome = idempotency.success(booking_record(booking))
                tickets = new_tickets(self._settlement.codes, booking)  # written by the confirming statement
                confirmations.append((i, Confirmation(booking, charge_key, payment.key, outcome, tickets), result))
            else:  # still processing at the gateway: the reconciler settles it; a retry may find it done
                undecided.append(payment.key)
                answers[i] = errors.Timeout(
                    "The payment is still being processed; retry with the same Idempotency-Key."
                )
        if endings:
            await self.end(endings)
        if undecided:
            await self.release(undecided)
        if confirmations:
            async with self._uow(autocommit=True) as uow:
                done = await uow.bookings.confirm_charges([c for _, c, _ in confirmations])
                await uow.commit()
            for (i, confirmation, result), confirmed in zip(confirmations, done, strict=True):
                booking = confirmation.booking
                answers[i] = booking if confirmed else await self._meanwhile(booking.id, result, confirmation.key)
        return answers

    async def _meanwhile(self, booking_id: str, result: ChargeResult, key: tuple[str, str]) -> Answer:
        """The booking no longer named the charge when it was confirmed: the reconciler confirmed it meanwhile
        with this very charge (the answer is that booking), or something else happened to it."""
        async with self._uow(autocommit=True) as uow:
            current = await uow.bookings.get(booking_id)
        paid = current.payment if current is not None and current.status is BookingStatus.CONFIRMED else None
        if current is not None and paid is not None and paid.reference == result.reference:
            await self.complete(key, idempotency.success(booking_record(current)))
            return current
        refusal = errors.BookingNotPending()
        await self.complete(key, idempotency.failure(refusal))
        return refusal

    async def remember(self, key: tuple[str, str], request_hash: str, outcome: dict[str, Any], now: datetime) -> None:
        async with self._uow(autocommit=True) as uow:
            await uow.idempotency.remember(idempotency.stored(*key, request_hash, outcome, now))
            await uow.commit()

    async def complete(self, key: tuple[str, str], outcome: dict[str, Any]) -> None:
        async with self._uow(autocommit=True) as uow:
            await uow.idempotency.complete(*key, outcome)
            await uow.commit()

    async def release(self, keys: Sequence[tuple[str, str]]) -> None:
        async with self._uow(autocommit=True) as uow:
            for key in keys:
                await uow.idempotency.release(*key)
            await uow.commit()

    async def end(self, endings: Sequence[ChargeEnd]) -> None:
        async with self._uow(autocommit=True) as uow:
            await uow.bookings.end_charges(endings)
            await uow.commit()
