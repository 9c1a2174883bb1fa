"""The Catalog deployment: browsing and managing events."""

from __future__ import annotations

from typing import Any

from ray import serve

from adapters.bootstrap import catalog_service
from deployments.base import ServiceDeployment
from deployments.calls import returns_domain_errors


@serve.deployment(name="Catalog")
class Catalog(ServiceDeployment):
    async def __init__(self) -> None:  # type: ignore[misc]  # Serve supports async constructors
        self.service = catalog_service(await self._open())

    @returns_domain_errors
    async def list_events(self, *args: Any, **kwargs: Any) -> Any:
        return await self.service.list_events(*args, **kwargs)

    @returns_domain_errors
    async def get_event(self, *args: Any, **kwargs: Any) -> Any:
        return await self.service.get_event(*args, **kwargs)

    @returns_domain_errors
    async def create_event(self, *args: Any, **kwargs: Any) -> Any:
        return await self.service.create_event(*args, **kwargs)

    @returns_domain_errors
    async def update_event(self, *args: Any, **kwargs: Any) -> Any:
        return await self.service.update_event(*args, **kwargs)

    @returns_domain_errors
    async def cancel_event(self, *args: Any, **kwargs: Any) -> Any:
        return await self.service.cancel_event(*args, **kwargs)

    @returns_domain_errors
    async def organizer_events(self, *args: Any, **kwargs: Any) -> Any:
        return await self.service.organizer_events(*args, **kwargs)
