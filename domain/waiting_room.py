"""The waiting room: a fair queue in front of a hot on-sale, letting buyers in at the pace the booking path holds.

Everyone who joins before the sale opens gets an independent random draw (`secrets`) and the draws decide their
order: arriving a millisecond early buys nothing, so there is no point in hammering the join. Positions stay
hidden (None) until the opening, when the draw is "revealed"; later joiners queue after all of them in arrival
order. The store files each entry atomically on one clock, so replicas agree on who is early.

Admission ticks (any replica, any number at once) expire the passes that ran out, let the AdmissionPolicy move
the bound at most once per `adjust_every`, and admit the next entries in strict order while fewer than the
bound hold unexpired passes. An admitted buyer gets a signed pass (`queue_pass`) good for `pass_ttl`; leaving
the queue gives the place under the bound back at once.

Status reads that arrive together (polls, thousands a second at most) go to the store together: one round trip for
a batch of an event's polls (domain/batching.py), not one each.

`retry_after_s` spreads the polling: the further back and the longer the queue, the longer the wait, with a
per-user offset so that buyers who joined together do not poll together. Before the opening it brings everyone back
after it in the draw's order, a bounded number a second.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain import errors
from domain.admission import AdmissionPolicy, LatencySignal
from domain.batching import Coalescer
from domain.ports import Clock
from domain.queue_pass import PassSigner
from domain.queue_store import DRAW_SPACE, QueueStatus, QueueStore, StoredEntry

__all__ = [
    "DRAW_SPACE",
    "Admission",
    "AdmissionPolicy",
    "LatencySignal",
    "QueueEntry",
    "QueueStatus",
    "QueueStore",
    "Room",
    "WaitingRoom",
]

READ_BATCH = 256  # polls read from the store in one round trip at most
MAX_RETRY_S = 30  # while the opening is further away: nothing moves until then
# Far back in a long line: minutes from admission, so a minute between polls loses nothing. The cap is what most
# of a long queue sits at, so it sets most of the total poll rate.
MAX_WAITING_RETRY_S = 60
# Everyone who waited for the opening comes back after it, in the order of the draw: at most this many first looks a
# second, so a queue of N spreads them over N / FIRST_LOOKS_PER_S seconds (at most MAX_OPENING_SPREAD_S). 5,000
# clients told "at the opening" would all poll in the same instant (bench-queue's first runs); spread over a fixed
# 10 s by a per-user offset, the first look still came with the first admissions (~600 polls/s), where hold and pay
# missed their targets (2026-12-04). In the draw's order, the front of the queue looks first, as it is admitted
# first; the back, minutes from its turn, loses nothing by looking later.
FIRST_LOOKS_PER_S = 100
MAX_OPENING_SPREAD_S = 60.0
# Entries ahead per extra second between polls. With the cap, a whole queue polls ~140 times a second when 5,000
# wait and ~220 when 10,000 do, which two cores answer next to the sale itself (at 100 entries per second and a
# 30 s cap, ~290/s for 5,000 saturated them in bench-queue).
AHEAD_PER_SECOND = 25
SETTLED_RETRY_S = 60  # expired or closed: nothing changes by itself any more
ADMITTED_RETRY_S = 30  # the buyer is busy buying; a poll only tells when the pass runs out


@dataclass(frozen=True)
class Room:
    """What the room knows of the event (from the catalog)."""

    event_id: str
    sale_starts_at: datetime | None  # None: on sale now
    closed: bool = False  # cancelled or sold out: waiting entries read `closed`, nobody is admitted

    def open_at(self, now: datetime) -> bool:
        return self.sale_starts_at is None or now >= self.sale_starts_at


@dataclass(frozen=True)
class QueueEntry:
    event_id: str
    user_id: str
    status: QueueStatus
    position: int | None  # 1-based; None before the sale opens (the draw has not happened)
    ahead: int | None  # entries still waiting before it
    estimated_wait_s: int | None
    admitted_until: datetime | None
    pass_token: str | None  # only while admitted
    retry_after_s: int  # when the client should poll again
    joined_at: datetime


@dataclass(frozen=True)
class Admission:
    """What one admission tick did, for metrics."""

    admitted: int
    expired: int
    waiting: int
    bound: int
    waits_s: list[float]  # join → admission, of those admitted now


class WaitingRoom:
    def __init__(
        self,
        *,
        store: QueueStore,
        passes: PassSigner,
        clock: Clock,
        policy: AdmissionPolicy,
        pass_ttl: timedelta = timedelta(minutes=5),
        draw: Callable[[], int] | None = None,
    ) -> None:
        """`draw` gives each early joiner its random key in [0, DRAW_SPACE): `secrets` unless a test seeds one."""
        self._draw = draw or (lambda: secrets.randbelow(DRAW_SPACE))
        self._store = store
        self._passes = passes
        self._clock = clock
        self._policy = policy
        self._pass_ttl = pass_ttl
        self._reads: Coalescer[tuple[str, str], StoredEntry | None] = Coalescer(
            self._read_many, max_size=READ_BATCH, at_once=2
        )

    async def join(self, user_id: str, room: Room) -> tuple[QueueEntry, bool]:
        """The user's entry, and whether it was created now (joining again returns the same entry)."""
        stored, created = await self._store.join(
            room.event_id,
            user_id,
            draw=self._draw(),
            opens_at=room.sale_starts_at,
            now=self._clock.now(),
            initial_bound=self._policy.initial_bound,
        )
        return self._entry(stored, room), created

    async def status(self, user_id: str, room: Room) -> QueueEntry:
        stored = await self._reads((room.event_id, user_id))
        if stored is None:
            raise errors.NotFound("You are not in this event's queue.")
        return self._entry(stored, room)

    async def leave(self, user_id: str, event_id: str) -> None:
        await self._store.leave(event_id, user_id)

    async def _read_many(self, keys: list[tuple[str, str]]) -> list[StoredEntry | None]:
        """One read per event among the batch's polls (almost always one event: the on-sale everyone waits for)."""
        now = self._clock.now()
        by_event: dict[str, list[str]] = {}
        for event_id, user_id in keys:
            by_event.setdefault(event_id, []).append(user_id)
        found: dict[tuple[str, str], StoredEntry | None] = {}
        for event_id, user_ids in by_event.items():
            entries = await self._store.read_many(event_id, user_ids, now=now)
            found.update(zip(((event_id, u) for u in user_ids), entries, strict=True))
        return [found[key] for key in keys]

    async def admit(self, room: Room, signal: LatencySignal) -> Admission:
        """One admission tick: safe to run from several replicas at once."""
        state = await self._store.expire(room.event_id, now=self._clock.now(), initial_bound=self._policy.initial_bound)
        if room.closed or not room.open_at(state.now):
            return Admission(admitted=0, expired=state.expired, waiting=state.waiting, bound=state.bound, waits_s=[])
        new_bound = None
        if state.now - state.bound_at >= self._policy.adjust_every:
            proposed = self._policy.next_bound(state.bound, signal, state.active)
            new_bound = proposed if proposed != state.bound else None
        result = await self._store.admit(
            room.event_id,
            now=self._clock.now(),
            ttl=self._pass_ttl,
            new_bound=new_bound,
            seen_bound_at=state.bound_at,
        )
        return Admission(
            admitted=len(result.admitted),
            expired=state.expired,
            waiting=result.waiting,
            bound=result.bound,
            waits_s=[(result.now - a.joined_at).total_seconds() for a in result.admitted],
        )

    def _entry(self, stored: StoredEntry, room: Room) -> QueueEntry:
        now, status = stored.now, stored.status
        opened = room.open_at(now)
        if status is QueueStatus.WAITING and room.closed:
            status = QueueStatus.CLOSED
        admitted = status is QueueStatus.ADMITTED and stored.admitted_until is not None
        estimate: int | None = None
        if status is QueueStatus.WAITING and opened and stored.rate > 0:
            estimate = math.ceil((stored.ahead + 1) / stored.rate)
        elif admitted:
            estimate = 0
        return QueueEntry(
            event_id=room.event_id,
            user_id=stored.user_id,
            status=status,
            position=stored.rank if opened else None,
            ahead=stored.ahead if opened else None,
            estimated_wait_s=estimate,
            admitted_until=stored.admitted_until,
            pass_token=(
                self._passes.issue(stored.user_id, room.event_id, stored.admitted_until)
                if admitted and stored.admitted_until is not None
                else None
            ),
            retry_after_s=retry_after(stored, status, room),
            joined_at=stored.joined_at,
        )


def retry_after(stored: StoredEntry, status: QueueStatus, room: Room) -> int:
    """Seconds until the client should poll again: 1..60 while waiting, more once nothing moves by itself."""
    if status is QueueStatus.ADMITTED:
        return ADMITTED_RETRY_S
    if status is not QueueStatus.WAITING:
        return SETTLED_RETRY_S
    if not room.open_at(stored.now):
        assert room.sale_starts_at is not None
        until_open = (room.sale_starts_at - stored.now).total_seconds()
        if until_open > MAX_RETRY_S:
            return MAX_RETRY_S
        # Everybody's position appears at the opening; come back then, plus this entry's share of the spread.
        return max(1, math.ceil(until_open + opening_spread_s(stored.waiting) * _drawn(stored)))
    # Polls per second over the whole queue grow with the log of its length, not the length.
    base = min(MAX_WAITING_RETRY_S / 1.25, 1 + stored.ahead / AHEAD_PER_SECOND + stored.waiting / 5000)
    spread = base / 4 * _offset(stored.user_id)  # up to a quarter later, the same for one user every time
    return max(1, min(MAX_WAITING_RETRY_S, math.ceil(base + spread)))


def opening_spread_s(waiting: int) -> float:
    """The seconds over which the first looks after the draw are spread, for `waiting` entries."""
    return min(MAX_OPENING_SPREAD_S, waiting / FIRST_LOOKS_PER_S)


def _drawn(stored: StoredEntry) -> float:
    """Where the draw put this entry so far, in [0, 1): the share of the waiting entries ahead of it. Later joins
    still move it a little; the last poll before the opening decides. Position itself stays hidden until then: a
    client can read its rough place off `Retry-After`, but can neither draw again nor join twice."""
    return min(stored.ahead, stored.waiting) / max(1, stored.waiting)


def _offset(user_id: str) -> float:
    """A fixed fraction in [0, 1) per user."""
    return int.from_bytes(hashlib.blake2b(user_id.encode(), digest_size=2).digest(), "big") / 65536
