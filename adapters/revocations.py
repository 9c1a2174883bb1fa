"""Revoked sessions in Redis: the session check of every request asks here first (one round trip, no query).

A revoked session's key lives as long as an access token can (tokens of the session are refused until they would
have expired anyway; its refresh token is dead in the database). Redis keeps nothing on disk, so what it does not
say counts only for tokens issued after this Redis life began (the epoch, adapters/cache.py): an older token is
checked in the database, as is every token while Redis is away.
"""

from __future__ import annotations

from datetime import datetime

from adapters.cache import EPOCH, Redis, epoch_started_at

PREFIX = "eventbook:revoked:"
MARGIN_S = 60  # kept a little beyond the token lifetime
CLOCK_SKEW_S = 2.0  # the token's `iat` comes from another process's clock (and is rounded down to seconds)


class RedisRevocations:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def revoke(self, session_id: str, *, for_s: float) -> bool:
        done = await self._redis.run(lambda r: r.set(PREFIX + session_id, "1", ex=int(for_s) + MARGIN_S))
        return bool(done)

    async def is_revoked(self, session_id: str, issued_at: datetime | None) -> bool | None:
        values = await self._redis.run(lambda r: r.mget([PREFIX + session_id, EPOCH]))
        if values is None:
            return None
        revoked, epoch = values
        if revoked is not None:
            return True
        if epoch is None:
            await self._redis.begin_epoch()
            return None
        if issued_at is None or issued_at.timestamp() < epoch_started_at(epoch) + CLOCK_SKEW_S:
            return None  # issued before this Redis life: a revocation then is not here
        return False
