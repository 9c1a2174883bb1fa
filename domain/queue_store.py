"""The waiting room's port: where the queue lives (Redis, the database, or memory in the unit tests).

A store keeps, per event, the entries in one total order, the admitted buyers with their passes' expiry, the
admission bound and a smoothed admission rate, and answers every call atomically, so that several Queue replicas
over one store agree on each entry's place and never admit past the bound or out of order.

The order is one integer key per entry: the random draw of an entry that joined before the sale opened (below
`LATE_BASE`), `LATE_BASE + n` for the n-th to join after. Ties fall to the user id. The store decides which of
the two an entry is, on its own clock, in the same atomic step that files the entry.

Every call takes the caller's `now`; a store with a clock of its own (Redis's server time) may use that instead
and says which it used in the answer (`now`), so that every decision that depends on time is made on one clock.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

DRAW_SPACE = 2**52  # draws are below it; Redis scores (doubles) hold integers exactly up to 2**53
LATE_BASE = DRAW_SPACE
RATE_TAU_S = 20.0  # the admission rate forgets with this time constant


class QueueStatus(enum.StrEnum):
    WAITING = "waiting"
    ADMITTED = "admitted"
    EXPIRED = "expired"  # admitted, but the pass ran out unused
    CLOSED = "closed"  # the event sold out or was cancelled: the room admits nobody any more


@dataclass(frozen=True)
class StoredEntry:
    """One entry as the store sees it at `now`: never `closed` (that comes from the catalog)."""

    user_id: str
    status: QueueStatus  # waiting, admitted (pass not run out) or expired
    rank: int  # 1-based place among the event's entries, whatever their status
    ahead: int  # waiting entries before it (0 once admitted)
    waiting: int  # entries of the event still waiting
    rate: float  # admissions per second lately; 0 until measured
    joined_at: datetime
    admitted_until: datetime | None
    now: datetime  # the clock the store decided on


@dataclass(frozen=True)
class RoomState:
    """A room after its passes that ran out were expired (`expired` of them, now)."""

    bound: int
    bound_at: datetime  # when the bound last moved (or the room was created)
    active: int  # admitted buyers whose passes have not run out
    waiting: int
    expired: int
    now: datetime


@dataclass(frozen=True)
class Admitted:
    user_id: str
    joined_at: datetime
    admitted_until: datetime


@dataclass(frozen=True)
class AdmitResult:
    admitted: list[Admitted]  # in queue order
    bound: int  # the bound the admission kept to
    active: int  # admitted buyers after it
    waiting: int  # entries still waiting after it
    now: datetime


class QueueStore(Protocol):
    async def join(
        self, event_id: str, user_id: str, *, draw: int, opens_at: datetime | None, now: datetime, initial_bound: int
    ) -> tuple[StoredEntry, bool]:
        """File the entry (once: again returns the one filed, and False): early with the draw if its clock is before
        `opens_at`, else after everyone. `initial_bound` is the bound of a room that did not exist yet."""
        ...

    async def read_many(self, event_id: str, user_ids: list[str], *, now: datetime) -> list[StoredEntry | None]:
        """The entries of these users (None: not in this queue), all read at one instant, in one round trip."""
        ...

    async def leave(self, event_id: str, user_id: str) -> None:
        """Drop the entry, whatever its status: an admitted buyer's place under the bound is free at once."""
        ...

    async def expire(self, event_id: str, *, now: datetime, initial_bound: int) -> RoomState:
        """Mark the admitted entries whose passes ran out as expired, and count them (each once, across callers)."""
        ...

    async def admit(
        self,
        event_id: str,
        *,
        now: datetime,
        ttl: timedelta,
        new_bound: int | None,
        seen_bound_at: datetime,
    ) -> AdmitResult:
        """Move the bound to `new_bound` if it has not moved since `seen_bound_at` (another caller's adjustment
        wins), then admit the first waiting entries while fewer than the bound hold unexpired passes, until
        `now + ttl`; update the admission rate. A room `expire` has not created admits nobody."""
        ...


def next_rate(rate: float, rate_at: datetime | None, admitted: int, now: datetime) -> tuple[float, datetime | None]:
    """The smoothed admission rate after `admitted` more at `now` (an exponential moving average of admissions per
    second). The first admission of a room (the opening burst) only starts the measurement; the first estimate is
    the plain average since."""
    if rate_at is None:
        return (0.0, now) if admitted else (0.0, None)
    dt = (now - rate_at).total_seconds()
    if rate == 0:
        return (admitted / dt, now) if admitted and dt > 0 else (0.0, rate_at)
    if dt <= 0:
        return rate + admitted / RATE_TAU_S, rate_at
    decay = math.exp(-dt / RATE_TAU_S)
    return rate * decay + admitted * (1 - decay) / dt, now
