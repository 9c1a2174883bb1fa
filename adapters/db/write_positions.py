"""Where the last write of each user is remembered: the primary's WAL position after it, shared by every process."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

FENCE_TTL_S = 600  # a remembered write position outlives any lag the router accepts by far


class WritePositions(Protocol):
    """The primary's WAL position after each user's last write, shared by every process that reads."""

    async def remember(self, user_ids: Sequence[str], lsn: int) -> None: ...
    async def last_write(self, user_id: str) -> int | None: ...


class RedisWritePositions:
    """One key per user in Redis, only ever raised (a late, older position never lowers it), with a TTL."""

    _RAISE = """
    for i, key in ipairs(KEYS) do
        local current = tonumber(redis.call('GET', key) or '0')
        if tonumber(ARGV[1]) > current then
            redis.call('SET', key, ARGV[1], 'EX', ARGV[2])
        else
            redis.call('EXPIRE', key, ARGV[2])
        end
    end
    return 1
    """

    def __init__(self, url: str, *, prefix: str = "eventbook:write-lsn:", ttl_s: int = FENCE_TTL_S) -> None:
        import redis.asyncio as aioredis

        self._redis = aioredis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._raise = self._redis.register_script(self._RAISE)
        self._prefix = prefix
        self._ttl_s = ttl_s

    async def remember(self, user_ids: Sequence[str], lsn: int) -> None:
        """One script call for every user of a commit (a batch of holds has many)."""
        if user_ids:
            await self._raise(keys=[self._prefix + u for u in user_ids], args=[lsn, self._ttl_s])

    async def last_write(self, user_id: str) -> int | None:
        value = await self._redis.get(self._prefix + user_id)
        return int(value) if value is not None else None

    async def close(self) -> None:
        await self._redis.aclose()
