"""The Auth deployment: accounts, sessions and tokens."""

from __future__ import annotations

from typing import Any

from ray import serve

from adapters.bootstrap import auth_service
from deployments.base import ServiceDeployment
from deployments.calls import returns_domain_errors


@serve.deployment(name="Auth")
class Auth(ServiceDeployment):
    async def __init__(self) -> None:  # type: ignore[misc]  # Serve supports async constructors
        self.service = auth_service(await self._open())

    @returns_domain_errors
    async def register(self, **kwargs: Any) -> Any:
        return await self.service.register(**kwargs)

    @returns_domain_errors
    async def login(self, **kwargs: Any) -> Any:
        return await self.service.login(**kwargs)

    @returns_domain_errors
    async def refresh(self, **kwargs: Any) -> Any:
        return await self.service.refresh(**kwargs)

    @returns_domain_errors
    async def logout(self, **kwargs: Any) -> Any:
        return await self.service.logout(**kwargs)

    @returns_domain_errors
    async def me(self, *args: Any) -> Any:
        return await self.service.me(*args)
