"""Sessions end for the very next request on logout or refresh-token reuse, with Redis (no query per request) and
without it (the database), and a Redis that forgot everything never lets a revoked session back in."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from adapters.cache import EPOCH, Redis
from adapters.db import uow_factory
from adapters.revocations import RedisRevocations
from adapters.security import Argon2PasswordHasher, JwtTokens
from domain import errors
from domain.auth import AuthService
from domain.model import new_id
from domain.ports import Revocations, UnitOfWorkFactory
from domain.sessions import SessionGuard
from tests.integration.it_support import FixedClock

LIVE_REDIS = "redis://127.0.0.1:6379/13"
PASSWORD = "correct horse battery"


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    redis = Redis(LIVE_REDIS)
    assert redis.client is not None
    await redis.client.flushdb()
    # This Redis life began a minute ago: the tokens of the test are younger, so its word counts for them.
    await redis.client.set(EPOCH, f"{time.time() - 60:.3f}:test")
    yield redis
    await redis.client.flushdb()
    await redis.client.aclose()


@pytest.fixture(params=["redis", "database only"])
def revocations(request: pytest.FixtureRequest, redis: Redis) -> Revocations | None:
    return RedisRevocations(redis) if request.param == "redis" else None


@pytest.fixture
def tokens() -> JwtTokens:
    return JwtTokens("integration-test-secret-of-32-chars!", access_ttl=timedelta(minutes=15))


def auth_with(uow: UnitOfWorkFactory, tokens: JwtTokens, revocations: Revocations | None) -> AuthService:
    # The wall clock: tokens carry it, and the revocation store compares them with when its life began.
    clock = FixedClock(datetime.now(UTC))
    return AuthService(uow=uow, hasher=Argon2PasswordHasher(), tokens=tokens, clock=clock, revocations=revocations)


async def signed_in(auth: AuthService, tokens: JwtTokens) -> Any:
    email = f"session-{new_id()[:8]}@example.org"
    await auth.register(email=email, password=PASSWORD, name="Ada")
    return await auth.login(email=email, password=PASSWORD)


async def test_logout_ends_the_session_for_the_very_next_request(
    pg_uow: UnitOfWorkFactory, tokens: JwtTokens, revocations: Revocations | None
) -> None:
    auth = auth_with(pg_uow, tokens, revocations)
    guard = SessionGuard(uow=pg_uow, revocations=revocations)
    issued = await signed_in(auth, tokens)
    principal = tokens.decode_access(issued.access_token)
    await guard.ensure_active(principal)

    await auth.logout(principal=principal)

    with pytest.raises(errors.Unauthenticated):
        await guard.ensure_active(principal)
    with pytest.raises(errors.Unauthenticated):
        await auth.refresh(refresh_token=issued.refresh_token)


async def test_a_reused_refresh_token_ends_the_session_for_the_very_next_request(
    pg_uow: UnitOfWorkFactory, tokens: JwtTokens, revocations: Revocations | None
) -> None:
    auth = auth_with(pg_uow, tokens, revocations)
    guard = SessionGuard(uow=pg_uow, revocations=revocations)
    stolen = await signed_in(auth, tokens)
    rotated = await auth.refresh(refresh_token=stolen.refresh_token)
    principal = tokens.decode_access(rotated.access_token)
    await guard.ensure_active(principal)

    with pytest.raises(errors.Unauthenticated, match="already used"):
        await auth.refresh(refresh_token=stolen.refresh_token)

    with pytest.raises(errors.Unauthenticated):
        await guard.ensure_active(principal)


class NoDatabase:
    """A unit-of-work factory that fails the test if the session check asks the database."""

    def __call__(self, **_: Any) -> Any:
        raise AssertionError("the session check queried the database")


async def test_with_redis_an_active_session_is_checked_without_a_query(
    pg_uow: UnitOfWorkFactory, tokens: JwtTokens, redis: Redis
) -> None:
    revocations = RedisRevocations(redis)
    auth = auth_with(pg_uow, tokens, revocations)
    issued = await signed_in(auth, tokens)
    principal = tokens.decode_access(issued.access_token)
    guard = SessionGuard(uow=NoDatabase(), revocations=revocations)  # type: ignore[arg-type]

    await guard.ensure_active(principal)
    await auth.logout(principal=principal)
    with pytest.raises(errors.Unauthenticated):
        await guard.ensure_active(principal)


async def test_a_redis_that_forgot_its_revocations_sends_older_tokens_to_the_database(
    pg_uow: UnitOfWorkFactory, tokens: JwtTokens, redis: Redis
) -> None:
    revocations = RedisRevocations(redis)
    auth = auth_with(pg_uow, tokens, revocations)
    guard = SessionGuard(uow=pg_uow, revocations=revocations)
    issued = await signed_in(auth, tokens)
    principal = tokens.decode_access(issued.access_token)
    await auth.logout(principal=principal)
    assert redis.client is not None
    await redis.client.flushdb()  # Redis restarted, keeping nothing

    with pytest.raises(errors.Unauthenticated):
        await guard.ensure_active(principal)
    with pytest.raises(errors.Unauthenticated):  # and again, now that a new epoch began
        await guard.ensure_active(principal)


async def test_a_logout_redis_did_not_hear_is_answered_unavailable(pg_engine: Any, tokens: JwtTokens) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"redis://127.0.0.1:{s.getsockname()[1]}/0"
    uow = uow_factory(pg_engine)
    auth = auth_with(uow, tokens, RedisRevocations(Redis(dead)))
    issued = await signed_in(auth, tokens)
    principal = tokens.decode_access(issued.access_token)

    with pytest.raises(errors.Unavailable):
        await auth.logout(principal=principal)
    # The database says revoked: the session check (which falls back to it while Redis is away) refuses it.
    with pytest.raises(errors.Unauthenticated):
        await SessionGuard(uow=uow, revocations=RedisRevocations(Redis(dead))).ensure_active(principal)
