"""The ingress's typed client of the Queue deployment (ingress/services.py's QueueApi), and the loop that tells the
Queue how the booking path is doing. Joins and polls are not sent there: the ingress files and reads them in the
queue's store itself (one Redis script each), which spares the opening's rush of joins and 10,000 waiting clients'
polls a handle hop each (about 2 ms of the two cores per hop; bench-queue, 2026-12-02: 5,000 joins in 10 s through
the Queue took its replicas and the Api's up to their limits). The store makes both atomic, so it does not matter
which replica files an entry."""

from __future__ import annotations

import asyncio
import logging

from ray.serve.handle import DeploymentHandle

from deployments import queue_metrics
from deployments.calls import call
from deployments.queue import QueueDeployment
from domain.accounts import Principal
from domain.waiting_room import QueueEntry, Room, WaitingRoom
from ingress.latency_window import LatencyWindow

log = logging.getLogger("eventbook.queue")
REPORT_EVERY_S = 1.0


class QueueClient:
    def __init__(self, handle: DeploymentHandle, timeout_s: float, statuses: WaitingRoom) -> None:
        self._handle, self._timeout_s = handle, timeout_s
        self._room = statuses  # this replica's view of the same store, for joins and polls

    async def join(self, principal: Principal, room: Room) -> tuple[QueueEntry, bool]:
        entry, created = await self._room.join(principal.user_id, room)
        if created:
            queue_metrics.joined()
        return entry, created

    async def status(self, principal: Principal, room: Room) -> QueueEntry:
        return await self._room.status(principal.user_id, room)

    async def leave(self, principal: Principal, event_id: str) -> None:
        await call(self._handle, QueueDeployment.leave, self._timeout_s, principal, event_id)

    async def health(self) -> dict[str, str]:
        return await call(self._handle, QueueDeployment.health, self._timeout_s)

    async def report_forever(self, latencies: LatencyWindow) -> None:
        """Send the latency signal every REPORT_EVERY_S; a lost report only leaves the policy on the previous one."""
        while True:
            await asyncio.sleep(REPORT_EVERY_S)
            try:
                await call(self._handle, QueueDeployment.report, self._timeout_s, latencies.signal())
            except Exception as error:  # the Queue busy or away: the next report tries again
                log.warning("could not report latencies to the Queue: %r", error)
