"""The ingress's typed client of the Queue deployment (ingress/services.py's QueueApi), and the loop that tells the
Queue how the booking path is doing. Polls are not sent here: the ingress reads them from the store itself."""

from __future__ import annotations

import asyncio
import logging

from ray.serve.handle import DeploymentHandle

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
        self._statuses = statuses  # this replica's view of the same store, for polls

    async def join(self, principal: Principal, room: Room) -> tuple[QueueEntry, bool]:
        return await call(self._handle, QueueDeployment.join, self._timeout_s, principal, room)

    async def status(self, principal: Principal, room: Room) -> QueueEntry:
        return await self._statuses.status(principal.user_id, room)

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
