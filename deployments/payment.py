"""The Payment deployment: the payment gateway behind its port, reached by Booking through a handle."""

from __future__ import annotations

from collections.abc import Sequence

from ray.serve.handle import DeploymentHandle

from adapters.bootstrap import payment_gateway
from deployments.base import ServiceDeployment
from deployments.calls import call, returns_domain_errors
from domain.payments import ChargeRequest, ChargeResult
from domain.ports import PaymentGateway


class PaymentDeployment(ServiceDeployment):
    async def __init__(self) -> None:  # type: ignore[misc]  # Serve supports async constructors
        self.gateway: PaymentGateway = payment_gateway(await self._open())  # Stripe, or the sandbox in demo mode

    @returns_domain_errors
    async def charge_many(self, charges: Sequence[ChargeRequest]) -> list[ChargeResult]:
        return await self.gateway.charge_many(charges)

    @returns_domain_errors
    async def settle(self, key: str) -> ChargeResult:
        return await self.gateway.settle(key)

    @returns_domain_errors
    async def refund(self, *, key: str, charge_reference: str, amount_cents: int) -> str:
        return await self.gateway.refund(key=key, charge_reference=charge_reference, amount_cents=amount_cents)


class PaymentClient:
    """The PaymentGateway port over the Payment deployment's handle, every call bounded by a timeout."""

    def __init__(self, handle: DeploymentHandle, timeout_s: float) -> None:
        self._handle = handle
        self._timeout_s = timeout_s

    async def charge_many(self, charges: Sequence[ChargeRequest]) -> list[ChargeResult]:
        """A batch of charges in one call: the payments one Booking call carries cross to Payment together."""
        return await call(self._handle, PaymentDeployment.charge_many, self._timeout_s, list(charges))

    async def settle(self, key: str) -> ChargeResult:
        return await call(self._handle, PaymentDeployment.settle, self._timeout_s, key)

    async def refund(self, *, key: str, charge_reference: str, amount_cents: int) -> str:
        return await call(
            self._handle,
            PaymentDeployment.refund,
            self._timeout_s,
            key=key,
            charge_reference=charge_reference,
            amount_cents=amount_cents,
        )
