"""`Annotated` dependencies the routes take as parameters: the services, the caller, the idempotency key."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from domain import errors
from domain.accounts import Principal
from ingress.schemas import CURSOR_PATTERN, ID_PATTERN
from ingress.services import Services

bearer = HTTPBearer(auto_error=False, description="The access token from /api/auth/login.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


# The dependencies are `async def`: FastAPI runs a plain `def` dependency in a thread pool, a hand-off every
# request would pay for.
async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def token_principal(request: Request, credentials: Credentials) -> Principal | None:
    """Who the bearer token names, without asking whether the session still runs (logout needs only that)."""
    if credentials is None:
        return None
    try:
        return (await get_services(request)).tokens.decode_access(credentials.credentials)
    except errors.Unauthenticated:
        return None


async def current_principal(request: Request, credentials: Credentials) -> Principal:
    """The caller proven by the bearer token, whose session is still active; 401 `unauthenticated` otherwise."""
    if credentials is None:
        raise errors.Unauthenticated("A bearer token is required.")
    services = await get_services(request)
    principal = services.tokens.decode_access(credentials.credentials)
    # a logout stops the very next request; the role is the account's, not the token's claim
    return await services.sessions.ensure_active(principal)


async def optional_principal(request: Request, credentials: Credentials) -> Principal | None:
    """The caller if a valid token of an active session came along; public routes serve anyone else anonymously."""
    if credentials is None:
        return None
    try:
        return await current_principal(request, credentials)
    except errors.DomainError:  # stale, forged, logged out, or not checkable now: anonymous is always safe
        return None


ServicesDep = Annotated[Services, Depends(get_services)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
TokenPrincipal = Annotated[Principal | None, Depends(token_principal)]
# Declared required so the OpenAPI document says so; a missing key becomes 400 `idempotency_key_missing`
# in ingress.errors (not FastAPI's 422).
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x20-\x7e]{1,255}$",
        description="Any unique string per operation (a UUID is fine); a retry reuses it.",
    ),
]
ResourceId = Annotated[str, Path(pattern=ID_PATTERN, description="An opaque id.")]
Limit = Annotated[int, Query(ge=1, le=100, description="Page size, 1 to 100.")]
Cursor = Annotated[
    str | None, Query(max_length=512, pattern=CURSOR_PATTERN, description="`next_cursor` of the previous page.")
]
