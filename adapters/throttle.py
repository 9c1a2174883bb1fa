"""Login throttling: failed attempts counted per account and per client address within a window, answered with
growing back-off delays, never a lock.

The first `limit` failures of a key cost nothing. From then on each failure makes the key wait before the next
try: `base_s`, then twice that, and so on up to `max_s`. The right password is refused only during such a wait
(seconds, not minutes), so a stranger guessing at an account cannot lock its owner out, while guessing slows to
one try per `max_s`. A success clears the account's count.

Counters live in Redis so every Auth replica sees the same ones; while Redis is away each replica counts
in its own memory (a per-replica limit is weaker, never absent).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis

from adapters.cache import Redis


@dataclass(frozen=True)
class Backoff:
    limits: dict[str, int]  # by the key's kind ("account", "ip"): the failures that cost nothing
    window_s: float  # a key's count starts again this long after its first failure
    base_s: float = 1.0
    max_s: float = 60.0

    def delay(self, key: str, failures: int) -> float:
        """The wait after the `failures`-th failure of the key: none within its limit, then doubling."""
        over = failures - self.limits[key.split(":", 1)[0]]
        return 0.0 if over < 0 else min(self.max_s, self.base_s * 2.0**over)


class MemoryThrottle:
    def __init__(self, backoff: Backoff) -> None:
        self._backoff = backoff
        self._failures: dict[str, tuple[int, float, float]] = {}  # key → (count, window start, wait until)

    def _state(self, key: str) -> tuple[int, float, float]:
        now = time.monotonic()
        count, started, until = self._failures.get(key, (0, now, 0.0))
        if now - started >= self._backoff.window_s and now >= until:
            self._failures.pop(key, None)
            return 0, now, 0.0
        return count, started, until

    async def retry_after(self, keys: Sequence[str]) -> float | None:
        now = time.monotonic()
        waits = [until - now for _, _, until in map(self._state, keys) if until > now]
        return max(waits) if waits else None

    async def failed(self, keys: Sequence[str]) -> None:
        for key in keys:
            count, started, _ = self._state(key)
            delay = self._backoff.delay(key, count + 1)
            self._failures[key] = (count + 1, started, time.monotonic() + delay if delay else 0.0)

    async def succeeded(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._failures.pop(key, None)


class RedisThrottle:
    """`login:<key>` counts a window's failures; `login:wait:<key>` exists (with its own expiry) while it waits."""

    def __init__(self, redis: Redis, backoff: Backoff) -> None:
        self._redis = redis
        self._backoff = backoff
        self._fallback = MemoryThrottle(backoff)

    async def retry_after(self, keys: Sequence[str]) -> float | None:
        async def waits(r: aioredis.Redis) -> list[int]:
            async with r.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.pttl(f"login:wait:{key}")
                return list(await pipe.execute())

        left = await self._redis.run(waits)
        if left is None:
            return await self._fallback.retry_after(keys)
        positive = [ms / 1000 for ms in left if ms > 0]
        return max(positive) if positive else None

    async def failed(self, keys: Sequence[str]) -> None:
        async def count(r: aioredis.Redis) -> bool:
            async with r.pipeline(transaction=True) as pipe:
                for key in keys:
                    pipe.incr(f"login:{key}")
                    pipe.expire(f"login:{key}", int(self._backoff.window_s), nx=True)  # opens at the first failure
                counts = (await pipe.execute())[::2]
            delays = {key: self._backoff.delay(key, int(n)) for key, n in zip(keys, counts, strict=True)}
            async with r.pipeline(transaction=False) as pipe:
                for key, delay in delays.items():
                    if delay:
                        pipe.set(f"login:wait:{key}", 1, px=int(delay * 1000))
                await pipe.execute()
            return True

        if not await self._redis.run(count):
            await self._fallback.failed(keys)

    async def succeeded(self, keys: Sequence[str]) -> None:
        await self._redis.run(lambda r: r.delete(*(f"login:{k}" for k in keys), *(f"login:wait:{k}" for k in keys)))
        await self._fallback.succeeded(keys)
