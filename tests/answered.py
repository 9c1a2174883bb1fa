"""The booking use cases as the ingress answers them, for tests that read like the contract."""

from __future__ import annotations

from typing import Any

from domain.accounts import Principal
from domain.booking import BookingService
from domain.holding import HoldRequest
from domain.pagination import Page
from domain.paying import PayRequest
from ingress.views import booking_view, receipt_view


class Answered:
    """The booking use cases as the ingress answers them: the contract's JSON shapes (ingress/views.py), so the
    tests read like the contract. `service` is the BookingService itself."""

    def __init__(self, service: BookingService) -> None:
        self.service = service
        self.settlement = service.settlement

    async def hold(self, principal: Principal, *, event_id: str, quantity: int, idempotency_key: str) -> dict[str, Any]:
        return booking_view(await self.service.hold(HoldRequest(principal, event_id, quantity, idempotency_key)))

    async def pay(self, principal: Principal, **request: Any) -> dict[str, Any]:
        return booking_view(await self.service.pay(principal, PayRequest(**request)))

    async def cancel(self, principal: Principal, *, booking_id: str) -> dict[str, Any]:
        return booking_view(await self.service.cancel(principal, booking_id=booking_id))

    async def get(self, principal: Principal, *, booking_id: str) -> dict[str, Any]:
        return booking_view(await self.service.get(principal, booking_id=booking_id))

    async def receipt(self, principal: Principal, *, booking_id: str) -> dict[str, Any]:
        return receipt_view(await self.service.receipt(principal, booking_id=booking_id))

    async def list(self, principal: Principal, *, limit: int = 20, cursor: str | None = None) -> Page[dict[str, Any]]:
        page = await self.service.list(principal, limit=limit, cursor=cursor)
        return Page([booking_view(b) for b in page.items], page.next_cursor)
