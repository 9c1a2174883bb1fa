"""The Queue deployment: the waiting room of high-demand on-sales (domain/waiting_room.py), scaled on its own.

It takes leaves, hears the booking path's latency from the ingress (`report`), and runs the admission loop: every
`queue_tick_s` each replica admits the next buyers of every open room, in queue order, up to the bound the
admission policy keeps. The store (Redis, or the database without it) makes each tick atomic, so any number of
replicas may tick at once and still admit in one order. Joins and polls do not come here: the ingress files and
reads them in the same store (one Redis round trip each; deployments/queue_client.py says why).
"""

from __future__ import annotations

import asyncio

from adapters.background import admit_forever
from adapters.queue_bootstrap import queue_service
from deployments import queue_metrics
from deployments.base import ServiceDeployment
from deployments.calls import returns_domain_errors
from domain.accounts import Principal
from domain.waiting_room import LatencySignal


class QueueDeployment(ServiceDeployment):
    async def __init__(self) -> None:  # type: ignore[misc]  # Serve supports async constructors
        infra = await self._open()
        self.service = queue_service(infra)
        self._loop = asyncio.get_running_loop().create_task(
            admit_forever(self.service, infra.settings.queue_tick_s, queue_metrics.admitted)
        )

    @returns_domain_errors
    async def leave(self, principal: Principal, event_id: str) -> None:
        await self.service.leave(principal.user_id, event_id)

    async def report(self, signal: LatencySignal) -> None:
        await self.service.report(signal)
