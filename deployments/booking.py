"""The Booking deployment: holds, payments (through Payment), cancellations, and the settlement loop."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from ray import serve
from ray.serve.handle import DeploymentHandle

from adapters.bootstrap import booking_service
from deployments import metrics
from deployments.base import ServiceDeployment
from deployments.calls import call, returns_domain_errors
from deployments.payment import PaymentClient
from domain import idempotency

log = logging.getLogger("eventbook.booking")


@serve.deployment(name="Booking")
class Booking(ServiceDeployment):
    async def __init__(self, payment: DeploymentHandle) -> None:  # type: ignore[misc]
        infra = await self._open()
        self.payment = payment
        self.service = booking_service(infra, PaymentClient(payment, infra.settings.payment_timeout_s))
        # Every replica runs the loop; the steps lock rows with SKIP LOCKED and re-check state, so that is safe.
        self._loop = asyncio.get_running_loop().create_task(self._settle_forever())

    async def _settle_forever(self) -> None:
        settlement = self.service.settlement
        interval = self.infra.settings.reaper_interval_s
        rounds = 0
        while True:
            try:
                metrics.holds_expired(await settlement.reap_expired())
                await settlement.reconcile()
                if rounds % 1800 == 0:
                    await settlement.purge_idempotency_keys(idempotency.KEEP_FOR)
            except Exception:  # the loop must outlive a database blip; the next round tries again
                log.exception("settlement round failed")
            rounds += 1
            await asyncio.sleep(interval)

    async def health(self) -> dict[str, str]:
        checks = await super().health()
        try:
            payment = await call(self.payment, "health", self.infra.settings.payment_timeout_s)
            checks["payment"] = "ok" if payment.get("database") == "ok" else "down"
        except Exception:  # Payment unreachable or slow: report it, the ingress decides the status
            checks["payment"] = "down"
        return checks

    @metrics.observe_hold
    @returns_domain_errors
    async def hold(self, *args: Any, **kwargs: Any) -> Any:
        return await self.service.hold(*args, **kwargs)

    @metrics.observe_payment
    @returns_domain_errors
    async def pay(self, *args: Any, **kwargs: Any) -> Any:
        return await self.service.pay(*args, **kwargs)

    @returns_domain_errors
    async def cancel(self, *args: Any, **kwargs: Any) -> Any:
        return await self.service.cancel(*args, **kwargs)

    @returns_domain_errors
    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return await self.service.get(*args, **kwargs)

    @returns_domain_errors
    async def receipt(self, *args: Any, **kwargs: Any) -> Any:
        return await self.service.receipt(*args, **kwargs)

    @returns_domain_errors
    async def list(self, *args: Any, **kwargs: Any) -> Any:
        return await self.service.list(*args, **kwargs)
