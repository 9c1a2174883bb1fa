"""Login throttling: failed attempts counted per account and per client address within a window.

Counters live in Redis so every Auth replica sees the same ones; while Redis is away each replica counts
in its own memory (a per-replica limit is weaker, never absent).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import redis.asyncio as aioredis

from adapters.cache import Redis


class MemoryThrottle:
    def __init__(self, *, limits: dict[str, int], window_s: float) -> None:
        self._limits = limits
        self._window = window_s
        self._failures: dict[str, tuple[int, float]] = {}  # key → (count, window start)

    def _count(self, key: str) -> tuple[int, float]:
        count, started = self._failures.get(key, (0, 0.0))
        if time.monotonic() - started >= self._window:
            self._failures.pop(key, None)
            return 0, time.monotonic()
        return count, started

    async def retry_after(self, keys: Sequence[str]) -> float | None:
        waits = []
        for key in keys:
            count, started = self._count(key)
            if count >= _limit(self._limits, key):
                waits.append(self._window - (time.monotonic() - started))
        return max(waits) if waits else None

    async def failed(self, keys: Sequence[str]) -> None:
        for key in keys:
            count, started = self._count(key)
            self._failures[key] = (count + 1, started)

    async def succeeded(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._failures.pop(key, None)


class RedisThrottle:
    def __init__(self, redis: Redis, *, limits: dict[str, int], window_s: float) -> None:
        self._redis = redis
        self._limits = limits
        self._window = int(window_s)
        self._fallback = MemoryThrottle(limits=limits, window_s=window_s)

    async def retry_after(self, keys: Sequence[str]) -> float | None:
        counts = await self._redis.run(lambda r: r.mget([f"login:{k}" for k in keys]))
        if counts is None:
            return await self._fallback.retry_after(keys)
        blocked = [k for k, c in zip(keys, counts, strict=True) if c is not None and int(c) >= _limit(self._limits, k)]
        if not blocked:
            return None
        ttls = await self._redis.run(lambda r: asyncio.gather(*(r.ttl(f"login:{k}") for k in blocked)))
        return float(max((t for t in ttls or [] if t > 0), default=self._window))

    async def failed(self, keys: Sequence[str]) -> None:
        async def count(r: aioredis.Redis) -> bool:
            async with r.pipeline(transaction=True) as pipe:
                for key in keys:
                    pipe.incr(f"login:{key}")
                    pipe.expire(f"login:{key}", self._window, nx=True)  # the window opens at the first failure
                await pipe.execute()
            return True

        if not await self._redis.run(count):
            await self._fallback.failed(keys)

    async def succeeded(self, keys: Sequence[str]) -> None:
        await self._redis.run(lambda r: r.delete(*(f"login:{k}" for k in keys)))
        await self._fallback.succeeded(keys)


def _limit(limits: dict[str, int], key: str) -> int:
    return limits[key.split(":", 1)[0]]
