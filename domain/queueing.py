"""What the Queue deployment runs: leaves, and the admission ticks of every waiting-room event on sale (joins and
polls, filed and read in the same store, are answered by the ingress: deployments/queue_client.py).

The waiting room itself (order, draw, passes, the admission bound) is domain/waiting_room.py over a store that
several replicas share; this is the loop around it. The ingress reports the booking path's latency here every
second or so (`report`); each tick hands the latest report to the admission policy of every room that is open.
A report older than `stale_after_s` counts as no report: the policy then has no samples to go on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from domain.ports import Clock
from domain.waiting_room import Admission, LatencySignal, QueueEntry, Room, WaitingRoom

log = logging.getLogger(__name__)

NO_SIGNAL = LatencySignal(hold_p99_s=None, pay_p99_s=None, samples=0)


class RoomSource(Protocol):
    async def rooms_on_sale(self, now: datetime) -> list[Room]:
        """Published waiting-room events that have not ended, as rooms (closed when sold out)."""
        ...


class QueueService:
    def __init__(
        self,
        *,
        room: WaitingRoom,
        rooms: RoomSource,
        clock: Clock,
        stale_after_s: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._room = room
        self._rooms = rooms
        self._clock = clock
        self._stale_after_s = stale_after_s
        self._monotonic = monotonic
        self._signal, self._signal_at = NO_SIGNAL, float("-inf")

    async def join(self, user_id: str, room: Room) -> tuple[QueueEntry, bool]:
        return await self._room.join(user_id, room)

    async def status(self, user_id: str, room: Room) -> QueueEntry:
        return await self._room.status(user_id, room)

    async def leave(self, user_id: str, event_id: str) -> None:
        await self._room.leave(user_id, event_id)

    async def report(self, signal: LatencySignal) -> None:
        self._signal, self._signal_at = signal, self._monotonic()

    @property
    def signal(self) -> LatencySignal:
        fresh = self._monotonic() - self._signal_at <= self._stale_after_s
        return self._signal if fresh else NO_SIGNAL

    async def tick(self) -> list[tuple[Room, Admission]]:
        """One admission round over every open room; a room that fails is logged and tried again next round."""
        now = self._clock.now()
        done: list[tuple[Room, Admission]] = []
        for room in await self._rooms.rooms_on_sale(now):
            if room.closed or (room.sale_starts_at is not None and now < room.sale_starts_at):
                continue
            try:
                done.append((room, await self._room.admit(room, self.signal)))
            except Exception:  # one room's store trouble must not stop the others' admissions
                log.exception("admission round failed for event %s", room.event_id)
        return done
