"""The Auth deployment: accounts, sessions and tokens."""

from __future__ import annotations

from adapters.bootstrap import auth_service
from deployments.base import ServiceDeployment, reads
from deployments.calls import returns_domain_errors
from domain.accounts import Principal, User
from domain.auth import Tokens


class AuthDeployment(ServiceDeployment):
    async def __init__(self) -> None:  # type: ignore[misc]  # Serve supports async constructors
        self.service = auth_service((await self._open()).ports)

    @returns_domain_errors
    async def register(self, *, email: str, password: str, name: str, client_ip: str | None = None) -> User:
        return await self.service.register(email=email, password=password, name=name, client_ip=client_ip)

    @returns_domain_errors
    async def login(self, *, email: str, password: str, client_ip: str | None = None) -> Tokens:
        return await self.service.login(email=email, password=password, client_ip=client_ip)

    @returns_domain_errors
    async def refresh(self, *, refresh_token: str) -> Tokens:
        return await self.service.refresh(refresh_token=refresh_token)

    @returns_domain_errors
    async def logout(self, *, principal: Principal | None = None, refresh_token: str | None = None) -> None:
        await self.service.logout(principal=principal, refresh_token=refresh_token)

    @reads
    @returns_domain_errors
    async def me(self, principal: Principal) -> User:
        return await self.service.me(principal)
