"""Holding seats and paying for them: the booking saga (hold → charge → confirm, release on failure)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from domain import errors, idempotency
from domain.accounts import Principal
from domain.auth import require_session
from domain.model import Booking, BookingPolicy, BookingStatus, new_id
from domain.pagination import Page, Position, check_limit, decode_cursor, encode_cursor
from domain.payments import Card, ChargeResult
from domain.ports import Clock, PaymentGateway, UnitOfWork, UnitOfWorkFactory
from domain.settlement import Settlement, new_payment
from domain.views import booking_view, receipt_view


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
    ) -> None:
        self._uow = uow
        self._read_uow = read_uow or uow
        self._gateway = gateway
        self._clock = clock
        self.policy = policy or BookingPolicy()
        self.settlement = Settlement(uow=uow, gateway=gateway, clock=clock, settle_after=settle_after)

    async def hold(self, principal: Principal, *, event_id: str, quantity: int, idempotency_key: str) -> dict[str, Any]:
        """Hold seats until the hold expires; the whole step, key included, is one transaction."""
        key = idempotency.check_key(idempotency_key)
        request_hash = idempotency.fingerprint("hold", {"event_id": event_id, "quantity": quantity})
        if not 1 <= quantity <= self.policy.max_per_order:
            raise errors.ValidationFailed(
                f"quantity must be between 1 and {self.policy.max_per_order}.", fields={"quantity": "out of range"}
            )
        now = self._clock.now()
        async with self._uow() as uow:
            await require_session(uow, principal)
            record = await uow.idempotency.claim(principal.user_id, key, request_hash, now, now + idempotency.LEASE)
            if record is not None:
                return idempotency.replay(record, request_hash)
            try:
                booking = await self._new_hold(uow, principal, event_id, quantity, now)
                view = booking_view(booking)
                await uow.idempotency.complete(principal.user_id, key, idempotency.success(view))
                # The seat decision comes last, so the event's row lock, which every buyer of this event waits
                # for in turn, is held for this one statement and the commit; sold out undoes all of the above.
                await self._take_seats(uow, event_id, quantity)
            except errors.DomainError as error:
                refused = error
            else:
                await uow.commit()
                return view
        # Nothing was written; remember the refusal (sold out, say) so the same key answers the same.
        await self._remember(principal.user_id, key, request_hash, refused)
        raise refused

    async def _new_hold(
        self, uow: UnitOfWork, principal: Principal, event_id: str, quantity: int, now: datetime
    ) -> Booking:
        event = await uow.events.get(event_id)
        if event is None or event.status.value == "draft":
            raise errors.NotFound("No such event.")
        event.ensure_on_sale(now)
        if await uow.bookings.count_open_holds(principal.user_id, now) >= self.policy.max_open_holds_per_user:
            raise errors.RateLimited(
                f"At most {self.policy.max_open_holds_per_user} unpaid holds at a time.", retry_after=60
            )
        booking = Booking(
            id=new_id(),
            event_id=event_id,
            user_id=principal.user_id,
            quantity=quantity,
            status=BookingStatus.PENDING,
            amount_cents=event.price_cents * quantity,
            currency=event.currency,
            created_at=now,
            expires_at=now + self.policy.hold_for,
        )
        await uow.bookings.add(booking)
        return booking

    @staticmethod
    async def _take_seats(uow: UnitOfWork, event_id: str, quantity: int) -> None:
        # The seat decision: one conditional UPDATE on the primary (see EventRepository.try_reserve).
        if await uow.events.try_reserve(event_id, quantity) is None:
            current = await uow.events.get(event_id)
            left = current.seats_available if current else 0
            raise errors.SoldOut(f"Only {left} seats are left for this event.", seats_available=left)

    async def pay(
        self,
        principal: Principal,
        *,
        booking_id: str,
        card_number: str,
        exp_month: int,
        exp_year: int,
        cvc: str,
        idempotency_key: str,
    ) -> dict[str, Any]:
        key = idempotency.check_key(idempotency_key)
        # The card enters the fingerprint only as a 32-bit digest: tells two cards apart, useless to recover one.
        card_digest = hashlib.sha256(f"{key}:{card_number}:{cvc}".encode()).hexdigest()[:8]
        body = {"booking_id": booking_id, "card": [card_digest, card_number[-4:], exp_month, exp_year]}
        request_hash = idempotency.fingerprint("pay", body)
        now = self._clock.now()
        card = Card.parse(card_number, exp_month, exp_year, cvc, now=now)
        charge_key = f"{booking_id}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"
        async with self._uow() as uow:
            await require_session(uow, principal)
            record = await uow.idempotency.claim(principal.user_id, key, request_hash, now, now + idempotency.LEASE)
            if record is not None:
                return idempotency.replay(record, request_hash)
            refused: errors.DomainError | None = None
            try:
                booking = await self._begin_charge(uow, principal, booking_id, charge_key, now)
            except errors.DomainError as error:
                refused = error
            else:
                # One commit makes the key ours while the charge runs (a duplicate gets 409 in progress) and
                # names the charge on the booking (the reconciler settles it if this process dies).
                await uow.commit()
        if refused is not None:
            await self._remember(principal.user_id, key, request_hash, refused)
            raise refused
        try:
            view = await self._charge_and_confirm(principal, booking, card, key, charge_key)
        except errors.DomainError as error:
            await self._settle_key(principal.user_id, key, error)
            raise
        except BaseException:
            await self._release_key(principal.user_id, key)
            raise
        return view

    async def _begin_charge(
        self, uow: UnitOfWork, principal: Principal, booking_id: str, charge_key: str, now: datetime
    ) -> Booking:
        """Lock the booking and name this charge on it, unless it is paid already or another charge is in flight."""
        booking = await self._own_for_update(uow, principal, booking_id)
        if booking.charge_key in (None, charge_key) and not _paid(booking):
            booking.ensure_payable(now)
            booking.start_charge(charge_key, now)
            await uow.bookings.save(booking)
        return booking

    async def _charge_and_confirm(
        self, principal: Principal, booking: Booking, card: Card, key: str, charge_key: str, *, settled: bool = False
    ) -> dict[str, Any]:
        if _paid(booking):
            # Confirmed already: by this very charge (settled by the reconciler before this retry), or not.
            result = await self._gateway.settle(charge_key)
            if not result.succeeded:
                raise errors.BookingNotPending("This booking is already paid.", status=booking.status.value)
            return await self._record_charge(principal, booking.id, charge_key, result, key)
        if booking.charge_key != charge_key:
            if settled:
                raise errors.PaymentInProgress()
            # An earlier attempt under another key left a charge of unknown outcome: settle it first.
            await self.settlement.settle_charge(booking.id)
            async with self._uow() as uow:
                booking = await self._begin_charge(uow, principal, booking.id, charge_key, self._clock.now())
                await uow.commit()
            return await self._charge_and_confirm(principal, booking, card, key, charge_key, settled=True)
        try:
            result = await self._gateway.charge(
                key=charge_key, amount_cents=booking.amount_cents, currency=booking.currency, card=card
            )
        except errors.Overloaded:
            await self.settlement.forget_charge(booking.id, charge_key)  # refused before it ran: nothing charged
            raise
        return await self._record_charge(principal, booking.id, charge_key, result, key)

    async def _record_charge(
        self, principal: Principal, booking_id: str, charge_key: str, result: ChargeResult, key: str
    ) -> dict[str, Any]:
        now = self._clock.now()
        async with self._uow() as uow:
            booking = await uow.bookings.get_for_update(booking_id)
            assert booking is not None
            if result.succeeded:
                if booking.charge_key == charge_key and booking.status is BookingStatus.PENDING:
                    booking.confirm(new_payment(booking, result, now), now)
                    await uow.bookings.save(booking)
                elif booking.payment is None or booking.payment.reference != result.reference:
                    raise errors.BookingNotPending()  # cannot happen while charge_key guards the booking
                view = booking_view(booking)
                await uow.idempotency.complete(principal.user_id, key, idempotency.success(view))
                await uow.commit()
                return view
            if not result.declined:
                raise errors.Timeout("The payment is still being processed; retry with the same Idempotency-Key.")
            if booking.charge_key == charge_key:
                booking.clear_charge()
                await uow.bookings.save(booking)
                await uow.commit()
        raise errors.PaymentDeclined(code=result.decline_code or "card_declined")

    async def cancel(self, principal: Principal, *, booking_id: str) -> dict[str, Any]:
        """Cancel: a hold releases its seats now; a paid booking is refunded, then released."""
        for _ in range(2):
            now = self._clock.now()
            async with self._uow() as uow:
                await require_session(uow, principal)
                booking = await self._own_for_update(uow, principal, booking_id)
                if booking.status is BookingStatus.CANCELLED:
                    return booking_view(booking)
                if booking.status is BookingStatus.EXPIRED:
                    raise errors.BookingNotPending("This hold has already expired.", status="expired")
                in_flight = booking.charge_key is not None
                if not in_flight:
                    if booking.status is BookingStatus.PENDING:
                        booking.cancel(now)
                        await uow.events.release(booking.event_id, booking.quantity)
                    else:
                        booking.cancel_requested_at = booking.cancel_requested_at or now
                    await uow.bookings.save(booking)
                    await uow.commit()
            if in_flight:
                await self.settlement.settle_charge(booking_id)
                continue
            if booking.status is BookingStatus.CANCELLED:
                return booking_view(booking)
            return booking_view(await self.settlement.finish_cancellation(booking_id))
        raise errors.PaymentInProgress()

    async def get(self, principal: Principal, *, booking_id: str) -> dict[str, Any]:
        async with self._read_uow() as uow:
            await require_session(uow, principal)
            return booking_view(await self._own(uow, principal, booking_id))

    async def receipt(self, principal: Principal, *, booking_id: str) -> dict[str, Any]:
        async with self._read_uow() as uow:
            await require_session(uow, principal)
            booking = await self._own(uow, principal, booking_id)
            if booking.status is not BookingStatus.CONFIRMED:
                raise errors.BookingNotConfirmed(status=booking.status.value)
            event = await uow.events.get(booking.event_id)
        assert event is not None
        return receipt_view(booking, event)

    async def list(self, principal: Principal, *, limit: int = 20, cursor: str | None = None) -> Page[dict[str, Any]]:
        check_limit(limit)
        async with self._read_uow() as uow:
            await require_session(uow, principal)
            rows = await uow.bookings.list_for_user(principal.user_id, decode_cursor(cursor), limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = encode_cursor(Position(rows[-1].created_at, rows[-1].id)) if more and rows else None
        return Page([booking_view(b) for b in rows], nxt)

    async def _remember(self, user_id: str, key: str, request_hash: str, error: errors.DomainError) -> None:
        if not idempotency.is_final(error):
            return
        now = self._clock.now()
        async with self._uow() as uow:
            if await uow.idempotency.claim(user_id, key, request_hash, now, now + idempotency.LEASE) is None:
                await uow.idempotency.complete(user_id, key, idempotency.failure(error))
                await uow.commit()

    async def _settle_key(self, user_id: str, key: str, error: errors.DomainError) -> None:
        if not idempotency.is_final(error):
            await self._release_key(user_id, key)
            return
        async with self._uow() as uow:
            await uow.idempotency.complete(user_id, key, idempotency.failure(error))
            await uow.commit()

    async def _release_key(self, user_id: str, key: str) -> None:
        async with self._uow() as uow:
            await uow.idempotency.release(user_id, key)
            await uow.commit()

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


def _paid(booking: Booking) -> bool:
    return booking.status is BookingStatus.CONFIRMED and booking.payment is not None
