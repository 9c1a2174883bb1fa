"""Login and sign-up throttling on the real Redis, shared by every Auth replica, and per replica while Redis is
away: back-off delays that grow, never a lock that keeps the account's owner out."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from adapters.cache import Redis
from adapters.security import Argon2PasswordHasher, JwtTokens
from adapters.throttle import Backoff, RedisThrottle
from domain import errors
from domain.auth import AuthService
from tests.integration.it_support import FixedClock
from tests.integration.redis_support import LIVE_REDIS, dead_redis


def auth_with(pg_uow: object, throttle: RedisThrottle, register: RedisThrottle | None = None) -> AuthService:
    return AuthService(
        uow=pg_uow,  # type: ignore[arg-type]
        hasher=Argon2PasswordHasher(),
        tokens=JwtTokens("x" * 40, access_ttl=timedelta(minutes=5)),
        clock=FixedClock(),
        throttle=throttle,
        register_throttle=register,
    )


@pytest.mark.parametrize("redis_url", [LIVE_REDIS, "dead"])
async def test_past_the_limit_each_failure_waits_longer_and_the_right_password_gets_in_after_the_wait(
    pg_uow: object, redis_url: str, live_redis: Redis
) -> None:
    redis = Redis(dead_redis() if redis_url == "dead" else redis_url)
    auth = auth_with(pg_uow, RedisThrottle(redis, Backoff({"account": 3, "ip": 100}, window_s=300, base_s=0.5)))
    email = f"throttled-{redis_url[-2:]}@example.org"
    await auth.register(email=email, password="right-password", name="T")
    for _ in range(2):  # within the limit: no wait at all
        with pytest.raises(errors.InvalidCredentials):
            await auth.login(email=email, password="wrong-password", client_ip="10.0.0.9")
    with pytest.raises(errors.InvalidCredentials):  # the third: from now on each failure waits
        await auth.login(email=email, password="wrong-password", client_ip="10.0.0.9")
    with pytest.raises(errors.RateLimited) as limited:
        await auth.login(email=email, password="right-password", client_ip="10.0.0.9")
    assert limited.value.details["retry_after"] == 1  # 0.5 s, rounded up: seconds, not the window's minutes
    await asyncio.sleep(0.6)
    with pytest.raises(errors.InvalidCredentials):
        await auth.login(email=email, password="wrong-password", client_ip="10.0.0.9")
    with pytest.raises(errors.RateLimited) as limited:  # the fourth failure waits twice as long
        await auth.login(email=email, password="right-password", client_ip="10.0.0.9")
    assert limited.value.details["retry_after"] == 1  # 1 s
    await asyncio.sleep(1.1)
    assert (await auth.login(email=email, password="right-password", client_ip="10.0.0.9")).access_token


@pytest.mark.parametrize("redis_url", [LIVE_REDIS, "dead"])
async def test_sign_ups_from_one_address_are_limited_per_window(
    pg_uow: object, redis_url: str, live_redis: Redis
) -> None:
    redis = Redis(dead_redis() if redis_url == "dead" else redis_url)
    login = RedisThrottle(redis, Backoff({"account": 5, "ip": 50}, window_s=60))
    auth = auth_with(pg_uow, login, RedisThrottle(redis, Backoff({"register": 3}, 60, base_s=60, max_s=60)))
    tag = redis_url[-2:]
    for n in range(3):
        await auth.register(email=f"bot{n}-{tag}@example.org", password="password-1", name="B", client_ip="10.9.9.9")

    with pytest.raises(errors.RateLimited) as limited:
        await auth.register(email=f"bot9-{tag}@example.org", password="password-1", name="B", client_ip="10.9.9.9")

    assert 59 <= limited.value.details["retry_after"] <= 60
    other = await auth.register(email=f"human-{tag}@example.org", password="password-1", name="H", client_ip="10.1.1.1")
    assert other.email == f"human-{tag}@example.org"


async def test_failed_logins_from_one_address_are_throttled_across_accounts(live_redis: Redis) -> None:
    throttle = RedisThrottle(live_redis, Backoff({"account": 100, "ip": 4}, window_s=60))
    for n in range(4):
        await throttle.failed([f"account:user{n}@example.org", "ip:10.0.0.7"])
    assert await throttle.retry_after(["account:new@example.org", "ip:10.0.0.7"])
    assert await throttle.retry_after(["account:new@example.org", "ip:10.0.0.8"]) is None
