"""The Catalog deployment: browsing and managing events, their ticket types and promo codes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from adapters.bootstrap import catalog_service
from adapters.ticket_bootstrap import ticket_authoring_service
from deployments.base import ServiceDeployment, reads
from deployments.calls import returns_domain_errors
from domain.accounts import Principal
from domain.catalog import EventDraft, EventSales
from domain.model import Event
from domain.pagination import Page
from domain.ports import EventFilter
from domain.pricing import PromoCode
from domain.ticket_authoring import EventTicketType, PromoCodeDraft, TicketTypeDraft


class CatalogDeployment(ServiceDeployment):
    async def __init__(self) -> None:  # type: ignore[misc]  # Serve supports async constructors
        ports = (await self._open()).ports
        self.service = catalog_service(ports)
        self.authoring = ticket_authoring_service(ports)

    @reads
    @returns_domain_errors
    async def list_events(
        self, flt: EventFilter, *, limit: int = 20, cursor: str | None = None, primary: bool = False
    ) -> Page[Event]:
        return await self.service.list_events(flt, limit=limit, cursor=cursor, primary=primary)

    @reads
    @returns_domain_errors
    async def get_event(self, event_id: str, *, viewer: Principal | None = None, primary: bool = False) -> Event:
        return await self.service.get_event(event_id, viewer=viewer, primary=primary)

    @returns_domain_errors
    async def get_events(self, event_ids: Sequence[str]) -> list[Event]:
        return await self.service.get_events(event_ids)

    @returns_domain_errors
    async def create_event(self, principal: Principal, draft: EventDraft) -> Event:
        return await self.service.create_event(principal, draft)

    @returns_domain_errors
    async def update_event(self, principal: Principal, event_id: str, changes: dict[str, Any]) -> Event:
        return await self.service.update_event(principal, event_id, changes)

    @returns_domain_errors
    async def cancel_event(self, principal: Principal, event_id: str) -> Event:
        return await self.service.cancel_event(principal, event_id)

    @returns_domain_errors
    async def organizer_events(
        self, principal: Principal, *, limit: int = 20, cursor: str | None = None
    ) -> Page[EventSales]:
        return await self.service.organizer_events(principal, limit=limit, cursor=cursor)

    @returns_domain_errors
    async def add_ticket_type(self, principal: Principal, *, event_id: str, draft: TicketTypeDraft) -> EventTicketType:
        return await self.authoring.add_ticket_type(principal, event_id=event_id, draft=draft)

    @returns_domain_errors
    async def update_ticket_type(
        self, principal: Principal, *, event_id: str, ticket_type_id: str, changes: dict[str, Any]
    ) -> EventTicketType:
        return await self.authoring.update_ticket_type(
            principal, event_id=event_id, ticket_type_id=ticket_type_id, changes=changes
        )

    @returns_domain_errors
    async def add_promo_code(self, principal: Principal, *, event_id: str, draft: PromoCodeDraft) -> PromoCode:
        return await self.authoring.add_promo_code(principal, event_id=event_id, draft=draft)

    @returns_domain_errors
    async def promo_codes(self, principal: Principal, *, event_id: str) -> list[PromoCode]:
        return await self.authoring.promo_codes(principal, event_id=event_id)
