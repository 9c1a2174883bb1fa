"""Login throttling on the real Redis, shared by every Auth replica, and per replica while Redis is away."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from adapters.cache import Redis
from adapters.security import Argon2PasswordHasher, JwtTokens
from adapters.throttle import RedisThrottle
from domain import errors
from domain.auth import AuthService
from tests.integration.it_support import FixedClock
from tests.integration.redis_support import LIVE_REDIS, dead_redis


@pytest.mark.parametrize("redis_url", [LIVE_REDIS, "dead"])
async def test_login_throttling_answers_429_then_lets_the_right_password_in_after_the_window(
    pg_uow: object, redis_url: str, live_redis: Redis
) -> None:
    redis = Redis(dead_redis() if redis_url == "dead" else redis_url)
    throttle = RedisThrottle(redis, limits={"account": 3, "ip": 100}, window_s=2)
    auth = AuthService(
        uow=pg_uow,  # type: ignore[arg-type]
        hasher=Argon2PasswordHasher(),
        tokens=JwtTokens("x" * 40, access_ttl=timedelta(minutes=5)),
        clock=FixedClock(),
        throttle=throttle,
    )
    email = f"throttled-{redis_url[-2:]}@example.org"
    await auth.register(email=email, password="right-password", name="T")
    for _ in range(3):
        with pytest.raises(errors.InvalidCredentials):
            await auth.login(email=email, password="wrong-password", client_ip="10.0.0.9")
    with pytest.raises(errors.RateLimited) as limited:
        await auth.login(email=email, password="right-password", client_ip="10.0.0.9")
    assert 1 <= limited.value.details["retry_after"] <= 2
    await asyncio.sleep(2.2)
    assert (await auth.login(email=email, password="right-password", client_ip="10.0.0.9")).access_token


async def test_failed_logins_from_one_address_are_throttled_across_accounts(live_redis: Redis) -> None:
    throttle = RedisThrottle(live_redis, limits={"account": 100, "ip": 4}, window_s=60)
    for n in range(4):
        await throttle.failed([f"account:user{n}@example.org", "ip:10.0.0.7"])
    assert await throttle.retry_after(["account:new@example.org", "ip:10.0.0.7"])
    assert await throttle.retry_after(["account:new@example.org", "ip:10.0.0.8"]) is None
