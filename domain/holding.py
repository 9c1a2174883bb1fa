"""Holding seats, many requests at a time: one decision and one atomic write per event (group commit).

Concurrent holds for one event share one snapshot read and one write: one seat UPDATE, one multi-row INSERT of
the holds and their keys. Seats go in arrival order: each request takes what it asks for if it still fits in
what the requests before it left, else it is refused `sold_out` with the seats left at its turn. Every request
keeps its own idempotency key and its own answer.

An event with a purchase limit per buyer (`max_per_buyer`) decides on what its buyers already hold or own, which
the seat UPDATE cannot check: its batches take the event's row lock first, in one transaction each, so two holds
racing for the last seats a buyer may have never both land. Events without a limit never wait on that lock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from domain import errors, idempotency
from domain.accounts import Principal
from domain.attendees import AttendeeInput, typed_attendees
from domain.hold_lines import BatchStock
from domain.model import Booking, BookingPolicy, BookingStatus, EventStatus, new_id
from domain.ports import Clock, IdempotencyRecord, SaleSnapshot, StoredKey, UnitOfWorkFactory
from domain.pricing import LineRequest, normalise_code
from domain.records import booking_from_record, booking_record

ATTEMPTS = 8  # decisions made again because the event changed between the snapshot and the write

Answer = Booking | errors.DomainError


@dataclass(frozen=True)
class HoldRequest:
    principal: Principal
    event_id: str
    quantity: int  # seats over all lines
    idempotency_key: str
    admitted: bool = False  # the ingress checked a queue pass of this user for this event (waiting rooms)
    lines: tuple[LineRequest, ...] = ()  # none: `quantity` seats of the event's first type
    promo_code: str | None = None
    attendees: tuple[AttendeeInput, ...] = ()  # as typed, one per seat at most; none: the buyer on every seat

    @property
    def user_id(self) -> str:
        return self.principal.user_id

    @property
    def key(self) -> tuple[str, str]:
        return (self.principal.user_id, self.idempotency_key)

    @property
    def request_hash(self) -> str:
        body: dict[str, object] = {"event_id": self.event_id, "quantity": self.quantity}
        if self.lines or self.promo_code is not None or self.attendees:  # today's requests keep today's hash
            body["lines"] = [[line.ticket_type_id, line.quantity] for line in self.lines]
            body["promo_code"] = self.promo_code
            body["attendees"] = [[a.name, a.email] for a in self.attendees]
        return idempotency.fingerprint("hold", body)


@dataclass
class HoldPlan:
    """The decision for a batch: one answer per request, the holds and keys to write, the seats they take."""

    answers: list[Answer] = field(default_factory=list)
    holds: list[Booking] = field(default_factory=list)
    keys: list[StoredKey] = field(default_factory=list)
    seats: int = 0


def plan_holds(
    requests: Sequence[HoldRequest], snapshot: SaleSnapshot, policy: BookingPolicy, now: datetime
) -> HoldPlan:
    """Decide every request of one event, in order, from what the snapshot says."""
    plan = HoldPlan()
    event = snapshot.event
    left = event.seats_available if event is not None else 0
    new_holds: Counter[str] = Counter()
    new_seats: Counter[str] = Counter()  # seats this batch holds for each buyer (all on this event)
    first: dict[tuple[str, str], tuple[str, int]] = {}  # a key repeated within the batch answers like its first use
    stock = BatchStock()
    for request in requests:
        if request.key in first:
            request_hash, index = first[request.key]
            same = request_hash == request.request_hash
            plan.answers.append(plan.answers[index] if same else errors.IdempotencyKeyReused())
            continue
        first[request.key] = (request.request_hash, len(plan.answers))
        prior = snapshot.priors.get(request.key)
        if prior is not None:
            plan.answers.append(_replay(prior, request.request_hash))
            continue
        try:
            if event is None or event.status is EventStatus.DRAFT:
                raise errors.NotFound("No such event.")
            event.ensure_on_sale(now)
            if event.waiting_room and not request.admitted:
                raise errors.QueuePassRequired()
            if (
                snapshot.open_holds.get(request.user_id, 0) + new_holds[request.user_id]
                >= policy.max_open_holds_per_user
            ):
                raise errors.RateLimited(
                    f"At most {policy.max_open_holds_per_user} unpaid holds at a time.", retry_after=60
                )
            _check_held_seats(request, snapshot, new_seats, policy)
            yours = event.seats_left_for(snapshot.owned.get(request.user_id, 0) + new_seats[request.user_id])
            if yours is not None and request.quantity > yours:
                raise errors.PurchaseLimitReached(
                    f"One buyer may have {event.max_per_buyer} seats of this event; {yours} more for you.",
                    seats_left_for_you=yours,
                )
            priced = stock.price(
                event, request.lines, request.quantity, request.promo_code, snapshot.promos, seats_left=left, now=now
            )
            attendees = typed_attendees(request.quantity, request.attendees) if request.attendees else []
        except errors.DomainError as refusal:
            plan.answers.append(refusal)
            if idempotency.is_final(refusal):  # the same key answers the same from now on
                plan.keys.append(_key(request, idempotency.failure(refusal), now))
            continue
        hold = Booking(
            id=new_id(),
            event_id=event.id,
            user_id=request.user_id,
            quantity=request.quantity,
            status=BookingStatus.PENDING,
            amount_cents=priced.total_cents,
            currency=event.currency,
            created_at=now,
            expires_at=now + policy.hold_for,
            lines=priced.lines,
            discount_cents=priced.discount_cents,
            promo_code_id=priced.promo.id if priced.promo is not None else None,
            promo_code=priced.promo.code if priced.promo is not None else None,
            attendees=attendees,
        )
        stock.take(priced)
        left -= request.quantity
        new_holds[request.user_id] += 1
        new_seats[request.user_id] += request.quantity
        plan.seats += request.quantity
        plan.holds.append(hold)
        plan.answers.append(hold)
        plan.keys.append(_key(request, idempotency.success(booking_record(hold)), now))
    return plan


def _check_held_seats(
    request: HoldRequest, snapshot: SaleSnapshot, new_seats: Counter[str], policy: BookingPolicy
) -> None:
    """A buyer's unpaid seats stay under the caps, this event's and all events': no hoarding through many holds."""
    overall, here = snapshot.held_seats.get(request.user_id, (0, 0))
    batch = new_seats[request.user_id]
    if here + batch + request.quantity > policy.max_held_seats_per_event:
        raise errors.RateLimited(
            f"At most {policy.max_held_seats_per_event} unpaid seats for one event; pay or cancel a hold first.",
            retry_after=60,
        )
    if overall + batch + request.quantity > policy.max_held_seats_per_user:
        raise errors.RateLimited(
            f"At most {policy.max_held_seats_per_user} unpaid seats at a time; pay or cancel a hold first.",
            retry_after=60,
        )


def _key(request: HoldRequest, outcome: dict[str, object], now: datetime) -> StoredKey:
    return idempotency.stored(request.user_id, request.idempotency_key, request.request_hash, outcome, now)


def _replay(prior: IdempotencyRecord, request_hash: str) -> Answer:
    try:
        return booking_from_record(idempotency.replay(prior, request_hash))
    except errors.DomainError as error:
        return error


class Holds:
    """The hold use case: validate each request, then decide and write each event's requests together."""

    def __init__(self, *, uow: UnitOfWorkFactory, clock: Clock, policy: BookingPolicy) -> None:
        self._uow = uow
        self._clock = clock
        self.policy = policy
        self._limited: set[str] = set()  # events last seen with a purchase limit: their batches start locked

    async def hold_many(self, requests: Sequence[HoldRequest]) -> list[Answer]:
        answers: list[Answer | None] = [None] * len(requests)
        by_event: dict[str, list[int]] = {}
        for i, request in enumerate(requests):
            try:
                self._check(request)
            except errors.DomainError as error:
                answers[i] = error
                continue
            by_event.setdefault(request.event_id, []).append(i)
        for event_id in sorted(by_event):
            indexes = by_event[event_id]
            for i, answer in zip(indexes, await self._hold_for_event([requests[i] for i in indexes]), strict=True):
                answers[i] = answer
        decided: list[Answer] = []
        for each in answers:
            assert each is not None  # every request was answered above
            decided.append(each)
        return decided

    def _check(self, request: HoldRequest) -> None:
        idempotency.check_key(request.idempotency_key)
        if request.lines and request.quantity != sum(line.quantity for line in request.lines):
            raise errors.ValidationFailed("quantity must be the seats of all lines.", fields={"quantity": "mismatch"})
        if not 1 <= request.quantity <= self.policy.max_per_order:
            raise errors.ValidationFailed(
                f"quantity must be between 1 and {self.policy.max_per_order}.", fields={"quantity": "out of range"}
            )

    async def _hold_for_event(self, requests: list[HoldRequest]) -> list[Answer]:
        event_id = requests[0].event_id
        keys = list(dict.fromkeys(r.key for r in requests))
        users = list(dict.fromkeys(r.user_id for r in requests))
        codes = sorted({normalise_code(r.promo_code) for r in requests if r.promo_code is not None})
        locked = event_id in self._limited
        for _ in range(ATTEMPTS):
            now = self._clock.now()
            async with self._uow(autocommit=not locked) as uow:
                if locked:  # batches for the event take turns: no other can change what this one decides on
                    await uow.events.get_for_update(event_id)
                snapshot = await uow.bookings.sale_snapshot(event_id, keys, users, now, codes)
                limited = snapshot.event is not None and snapshot.event.max_per_buyer is not None
                if limited != locked:  # the limit came or went since this replica last looked: decide again
                    # A purchase limit rests on the buyers' other bookings, which the seat guard cannot see.
                    (self._limited.add if limited else self._limited.discard)(event_id)
                    locked = limited
                    continue
                plan = plan_holds(requests, snapshot, self.policy, now)
                if not plan.keys:  # replays and transient refusals only: nothing to write
                    return plan.answers
                if await uow.bookings.place_holds(snapshot.event, plan.seats, plan.holds, plan.keys, now):
                    await uow.commit()
                    return plan.answers
        busy = errors.Unavailable("This event is very busy; try again shortly.", retry_after=1)
        return [busy] * len(requests)
