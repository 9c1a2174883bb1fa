"""Revoked sessions in Redis: the session check of every request asks here first (one round trip, no query).

A revoked session's key lives as long as an access token can (tokens of the session are refused until they would
have expired anyway; its refresh token is dead in the database). Redis keeps nothing on disk, so what it does not
say counts only for tokens issued after this Redis life began (the epoch, adapters/cache.py): an older token is
checked in the database, as is every token while Redis is away.
"""

from __future__ import annotations

from collections.abc import Sequence
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

    async def are_revoked(self, sessions: Sequence[tuple[str, datetime | None]]) -> list[bool | None]:
        """One MGET for all of them (and the epoch)."""
        values = await self._redis.run(lambda r: r.mget([EPOCH, *(PREFIX + sid for sid, _ in sessions)]))
        if values is None:
            return [None] * len(sessions)
        epoch, *revoked = values
        if epoch is None:
            await self._redis.begin_epoch()
            return [True if r is not None else None for r in revoked]
        since = epoch_started_at(epoch) + CLOCK_SKEW_S
        return [
            True if r is not None else (None if issued is None or issued.timestamp() < since else False)
            for (_, issued), r in zip(sessions, revoked, strict=True)
        ]  # None: issued before this Redis life, when a revocation would not be here
