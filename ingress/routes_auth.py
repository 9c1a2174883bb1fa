"""Accounts and sessions: /api/auth/*."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request, Response, status

from ingress.client_address import client_address
from ingress.deps import CurrentPrincipal, ServicesDep, TokenPrincipal
from ingress.errors import error_responses
from ingress.schemas import LoginRequest, LogoutRequest, RefreshRequest, TokenPair, UserCreate, UserRead
from ingress.views import user_view

router = APIRouter(prefix="/api/auth", tags=["auth"])
COMMON = (400, 422, 503, 504)


def token_pair(tokens: Any) -> dict[str, Any]:
    return dataclasses.asdict(tokens)


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    response_model=UserRead,
    responses=error_responses(*COMMON, 409, 429),
)
async def register(body: UserCreate, services: ServicesDep, request: Request) -> dict[str, Any]:
    client_ip = client_address(request, services.trusted_proxies)
    return user_view(
        await services.auth.register(email=body.email, password=body.password, name=body.name, client_ip=client_ip)
    )


@router.post("/login", response_model=TokenPair, responses=error_responses(*COMMON, 401, 429))
async def login(body: LoginRequest, services: ServicesDep, request: Request) -> dict[str, Any]:
    # X-Forwarded-For only from a configured trusted proxy: a client could forge that header to dodge the throttle.
    client_ip = client_address(request, services.trusted_proxies)
    tokens = await services.auth.login(email=body.email, password=body.password, client_ip=client_ip)
    return token_pair(tokens)


@router.post("/refresh", response_model=TokenPair, responses=error_responses(*COMMON, 401, 429))
async def refresh(body: RefreshRequest, services: ServicesDep) -> dict[str, Any]:
    return token_pair(await services.auth.refresh(refresh_token=body.refresh_token))


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(*COMMON, 401),
    summary="Log out: revoke the session of the bearer token and/or of the refresh token given",
)
async def logout(services: ServicesDep, principal: TokenPrincipal, body: LogoutRequest | None = None) -> Response:
    refresh_token = body.refresh_token if body else None
    await services.auth.logout(principal=principal, refresh_token=refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/me", response_model=UserRead, responses=error_responses(401, 503, 504))
async def me(services: ServicesDep, principal: CurrentPrincipal) -> dict[str, Any]:
    return user_view(await services.auth.me(principal))
