"""`Annotated` dependencies the routes take as parameters: the backend, the caller, the idempotency key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from adapters.security import JwtTokens
from domain import errors
from domain.accounts import Principal
from ingress.backend import Backend
from ingress.schemas import CURSOR_PATTERN, ID_PATTERN

bearer = HTTPBearer(auto_error=False, description="The access token from /api/auth/login.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


# The dependencies are `async def` though they never await: FastAPI runs a plain `def` dependency in a thread
# pool, a hand-off every request would pay for (a JWT check takes microseconds on the event loop).
async def get_backend(request: Request) -> Backend:
    backend: Backend = request.app.state.backend
    return backend


async def get_settings(request: Request) -> Any:
    return request.app.state.settings


def _tokens(request: Request) -> JwtTokens:
    tokens: JwtTokens = request.app.state.tokens
    return tokens


async def current_principal(request: Request, credentials: Credentials) -> Principal:
    """The caller proven by the bearer token; 401 `unauthenticated` when missing or invalid."""
    if credentials is None:
        raise errors.Unauthenticated("A bearer token is required.")
    return _tokens(request).decode_access(credentials.credentials)


async def optional_principal(request: Request, credentials: Credentials) -> Principal | None:
    """The caller if a valid token came along; public routes ignore a missing or stale one."""
    if credentials is None:
        return None
    try:
        return _tokens(request).decode_access(credentials.credentials)
    except errors.Unauthenticated:
        return None


BackendDep = Annotated[Backend, Depends(get_backend)]
SettingsDep = Annotated[Any, Depends(get_settings)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
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
