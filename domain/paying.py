"""Paying for holds, many at a time: one statement claims the keys and names the charges, one gateway call
charges them, one statement confirms them (with their payments, messages and answers).

The saga: a booking names the gateway key of its charge before the gateway is called, so a charge whose answer
never comes back is settled by the reconciler (domain/settlement.py); the gateway is idempotent by key, so a retry
with the same Idempotency-Key never charges twice.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from domain import errors, idempotency
from domain.accounts import Principal
from domain.model import Booking
from domain.payment_outcomes import Outcomes
from domain.payments import Card, ChargeRequest, ChargeResult, check_source
from domain.ports import ChargeClaim, ChargeEnd, Clock, IdempotencyRecord, PaymentGateway, UnitOfWorkFactory
from domain.records import booking_from_record
from domain.settlement import Settlement

ATTEMPTS = 3  # a claim that lost a race with a change to the booking gives its key back and looks again
POLL_S = 0.25  # how often a charge the gateway still processes is asked about, while the request waits

Answer = Booking | errors.DomainError


@dataclass(frozen=True)
class PayRequest:
    booking_id: str
    card_number: str
    exp_month: int
    exp_year: int
    cvc: str
    idempotency_key: str
    payment_method: str = ""  # instead of the card: what the provider's element collected (Stripe's `pm_…`)

    @property
    def request_hash(self) -> str:
        # The card enters the fingerprint only as a 32-bit digest: tells two cards apart, useless to recover one.
        digest = hashlib.sha256(f"{self.idempotency_key}:{self.card_number}:{self.cvc}".encode()).hexdigest()[:8]
        body: dict[str, object] = {
            "booking_id": self.booking_id,
            "card": [digest, self.card_number[-4:], self.exp_month, self.exp_year],
        }
        if self.payment_method:
            body["payment_method"] = self.payment_method
        return idempotency.fingerprint("pay", body)

    @property
    def charge_key(self) -> str:
        """The gateway's key for this payment: one charge per booking and Idempotency-Key, whatever the retries."""
        return f"{self.booking_id}:{hashlib.sha256(self.idempotency_key.encode()).hexdigest()[:32]}"


@dataclass(frozen=True)
class _Payment:
    principal: Principal
    request: PayRequest
    card: Card | None  # None when paid with a provider's payment method

    @property
    def key(self) -> tuple[str, str]:
        return (self.principal.user_id, self.request.idempotency_key)


class Payments:
    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        gateway: PaymentGateway,
        clock: Clock,
        settlement: Settlement,
        charge_wait: timedelta = timedelta(seconds=5),
        sources: frozenset[str] | None = None,
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._outcomes = Outcomes(uow=uow, gateway=gateway, settlement=settlement)
        self._charge_wait = charge_wait  # how long a request waits for a charge the gateway still processes
        self._sources = sources  # what the gateway takes: "card", "payment_method" (None: either)

    async def pay(self, principal: Principal, request: PayRequest) -> Booking:
        (answer,) = await self.pay_many([(principal, request)])
        if isinstance(answer, errors.DomainError):
            raise answer
        return answer

    async def pay_many(self, items: Sequence[tuple[Principal, PayRequest]]) -> list[Answer]:
        """Each payment's confirmed booking or refusal, in order."""
        answers: dict[int, Answer] = {}
        ready: dict[int, _Payment] = {}
        keys: set[tuple[str, str]] = set()
        for i, (principal, request) in enumerate(items):
            try:
                idempotency.check_key(request.idempotency_key)
                check_source(request.payment_method, self._sources, card_number=request.card_number)
                card = None if request.payment_method else Card.parse(
                    request.card_number, request.exp_month, request.exp_year, request.cvc, now=self._clock.now()
                )  # fmt: skip
            except errors.DomainError as error:
                answers[i] = error
                continue
            payment = _Payment(principal, request, card)
            if payment.key in keys:
                answers[i] = errors.IdempotencyInProgress()  # the same key twice at once: the first one runs
                continue
            keys.add(payment.key)
            ready[i] = payment
        for _ in range(ATTEMPTS):
            if not ready:
                break
            ready = await self._start(ready, answers)
        for i in ready:
            answers[i] = errors.Unavailable("This booking is busy; try again shortly.", retry_after=1)
        return [answers[i] for i in range(len(items))]

    async def _start(self, ready: dict[int, _Payment], answers: dict[int, Answer]) -> dict[int, _Payment]:
        """Start the charges; answer those that cannot start; the payments to try again."""
        now = self._clock.now()
        claims = [
            ChargeClaim(
                p.request.booking_id,
                p.principal.user_id,
                p.request.charge_key,
                idempotency.stored(*p.key, p.request.request_hash, None, now),
            )
            for p in ready.values()
        ]
        async with self._uow(autocommit=True) as uow:
            starts = await uow.bookings.start_charges(claims)
            await uow.commit()
        started: dict[int, tuple[_Payment, Booking]] = {}
        again: dict[int, _Payment] = {}
        lost: list[tuple[str, str]] = []
        for (i, payment), start in zip(ready.items(), starts, strict=True):
            if start.started and start.booking is not None:
                started[i] = (payment, start.booking)
            elif start.claimed:  # the booking changed between the check and its row lock: free the key, look again
                lost.append(payment.key)
                again[i] = payment
            elif start.prior is not None:
                answers[i] = _replay(start.prior, payment.request.request_hash)
            else:
                why = await self._outcomes.why_not(start.booking, payment.key, payment.request, now)
                if why is None:
                    again[i] = payment
                else:
                    answers[i] = why
        if lost:
            await self._outcomes.release(lost)
        if started:
            answers.update(await self._charge(started))
        return again

    async def _charge(self, started: dict[int, tuple[_Payment, Booking]]) -> dict[int, Answer]:
        charges = [
            ChargeRequest(p.request.charge_key, b.amount_cents, b.currency, p.card, p.request.payment_method)
            for p, b in started.values()
        ]
        keys = [p.key for p, _ in started.values()]
        try:
            results = await self._gateway.charge_many(charges)
        except errors.Overloaded as refused:  # refused before it ran: nothing was charged, the holds payable again
            await self._outcomes.end([ChargeEnd(b.id, p.request.charge_key, p.key, None) for p, b in started.values()])
            return dict.fromkeys(started, refused)
        except BaseException as error:  # the outcome is unknown: the bookings keep naming their charges
            await self._outcomes.release(keys)
            if isinstance(error, errors.DomainError):
                return dict.fromkeys(started, error)
            raise
        results = await asyncio.gather(*(self._settled(result) for result in results))
        return await self._outcomes.record(
            [(i, payment, booking) for i, (payment, booking) in started.items()], list(results), self._clock.now()
        )

    async def _settled(self, result: ChargeResult) -> ChargeResult:
        """The charge's result, once the gateway has decided, or `processing` when it has not within the wait."""
        loop = asyncio.get_running_loop()  # waiting is wall time, whatever the business clock says
        deadline = loop.time() + self._charge_wait.total_seconds()
        while result.processing and loop.time() < deadline:
            await asyncio.sleep(POLL_S)
            result = await self._gateway.settle(result.key)
        return result


def booking_of(charge_key: str) -> str:
    """The booking a gateway key belongs to (`PayRequest.charge_key`)."""
    return charge_key.rsplit(":", 1)[0]


def _replay(prior: IdempotencyRecord, request_hash: str) -> Answer:
    try:
        return booking_from_record(idempotency.replay(prior, request_hash))
    except errors.DomainError as error:
        return error
