"""The waiting room's queue in Redis: every step one Lua script, so any number of Queue replicas agree.

Per event (one hash tag, so a cluster keeps an event's keys on one shard):

- `order`: a sorted set of every entry, scored by its order key: a position is one ZRANK.
- `wait`: the entries still waiting, same scores: `ahead` is one ZRANK, admission pops the lowest.
- `adm`: admitted entries scored by their pass's expiry (ms): expiring is one ZREMRANGEBYSCORE.
- `ent`: a hash of user → `<joined ms>:<admitted until ms, 0 while waiting>`.
- `room`: the bound and when it moved, the arrival counter, the smoothed admission rate.

Whether an entry joined before the opening, whether a pass ran out and when someone was admitted are all decided on
the server's clock (TIME, inside the script): replicas with skewed clocks still agree. Order keys are integers below
2**53, which scores (doubles) hold exactly. Status reads are one script call for any number of users (the polls
that arrived together), so one round trip.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from domain import errors
from domain.queue_store import LATE_BASE, RATE_TAU_S, AdmitResult, Admitted, QueueStatus, RoomState, StoredEntry

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_COMMON = """
local order, wait, adm, ent, room = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local function s(x) return string.format('%.0f', x) end
local function clock(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function ensure_room(now, bound)
  if redis.call('EXISTS', room) == 0 then
    redis.call('HSET', room, 'bound', bound, 'bound_at', s(now), 'seq', 0, 'rate', '0', 'rate_at', '')
  end
end
local function joined_of(v) return string.sub(v, 1, string.find(v, ':', 1, true) - 1) end
local function read(user, now)
  local v = redis.call('HGET', ent, user)
  if not v then return {0} end
  local joined, untilms = joined_of(v), string.sub(v, string.find(v, ':', 1, true) + 1)
  local ahead = redis.call('ZRANK', wait, user)
  local status = 'waiting'
  if not ahead then
    ahead = 0
    if tonumber(untilms) > now then status = 'admitted' else status = 'expired' end
  end
  return {1, status, redis.call('ZRANK', order, user) + 1, ahead, redis.call('ZCARD', wait),
          redis.call('HGET', room, 'rate') or '0', joined, untilms, s(now)}
end
"""

_JOIN = (
    _COMMON
    + f"""
local now = clock(ARGV[4])
ensure_room(now, ARGV[5])
local created = 0
if redis.call('HEXISTS', ent, ARGV[1]) == 0 then
  local key = ARGV[2]
  if ARGV[3] == '' or now >= tonumber(ARGV[3]) then
    key = s({LATE_BASE} + redis.call('HINCRBY', room, 'seq', 1))
  end
  redis.call('ZADD', order, key, ARGV[1])
  redis.call('ZADD', wait, key, ARGV[1])
  redis.call('HSET', ent, ARGV[1], s(now) .. ':0')
  created = 1
end
return {{created, read(ARGV[1], now)}}
"""
)

_READ_MANY = (
    _COMMON
    + """
local now, out = clock(ARGV[1]), {}
for i = 2, #ARGV do out[#out + 1] = read(ARGV[i], now) end
return out
"""
)

_LEAVE = (
    _COMMON
    + "redis.call('ZREM', order, ARGV[1]); redis.call('ZREM', wait, ARGV[1]); "
    + ("redis.call('ZREM', adm, ARGV[1]); return redis.call('HDEL', ent, ARGV[1])")
)

_EXPIRE = (
    _COMMON
    + """
local now = clock(ARGV[1])
ensure_room(now, ARGV[2])
local expired = redis.call('ZREMRANGEBYSCORE', adm, '-inf', s(now))
local b = redis.call('HMGET', room, 'bound', 'bound_at')
return {tonumber(b[1]), b[2], redis.call('ZCARD', adm), redis.call('ZCARD', wait), expired, s(now)}
"""
)

_ADMIT = (
    _COMMON
    + f"""
local now = clock(ARGV[1])
local untilms = now + tonumber(ARGV[2])
if redis.call('EXISTS', room) == 0 then return {{0, 0, 0, s(now), s(untilms), {{}}}} end
if ARGV[3] ~= '' and redis.call('HGET', room, 'bound_at') == ARGV[4] then
  redis.call('HSET', room, 'bound', ARGV[3], 'bound_at', s(now))
end
local bound = tonumber(redis.call('HGET', room, 'bound'))
local active = redis.call('ZCOUNT', adm, '(' .. s(now), '+inf')
local waiting = redis.call('ZCARD', wait)
local out = {{}}
if bound > active and waiting > 0 then
  local popped = redis.call('ZPOPMIN', wait, bound - active)
  for i = 1, #popped, 2 do
    local user = popped[i]
    local joined = joined_of(redis.call('HGET', ent, user))
    redis.call('HSET', ent, user, joined .. ':' .. s(untilms))
    redis.call('ZADD', adm, s(untilms), user)
    out[#out + 1] = user
    out[#out + 1] = joined
  end
end
local n = #out / 2
if waiting > 0 then  -- the same estimate as domain.queue_store.next_rate
  local rate = tonumber(redis.call('HGET', room, 'rate')) or 0
  local rate_at = redis.call('HGET', room, 'rate_at')
  if not rate_at or rate_at == '' then
    if n > 0 then redis.call('HSET', room, 'rate_at', s(now)) end
  else
    local dt = (now - tonumber(rate_at)) / 1000
    if rate == 0 then
      if n > 0 and dt > 0 then redis.call('HSET', room, 'rate', string.format('%.17g', n / dt), 'rate_at', s(now)) end
    elseif dt <= 0 then
      redis.call('HSET', room, 'rate', string.format('%.17g', rate + n / {RATE_TAU_S}))
    else
      local decay = math.exp(-dt / {RATE_TAU_S})
      redis.call('HSET', room, 'rate', string.format('%.17g', rate * decay + n * (1 - decay) / dt), 'rate_at', s(now))
    end
  end
end
return {{bound, active + n, waiting - n, s(now), s(untilms), out}}
"""
)


class RedisQueueStore:
    """A QueueStore on Redis. `server_time=False` decides on the caller's clock instead (tests with a fake one)."""

    def __init__(self, client: aioredis.Redis, *, prefix: str = "eventbook:queue", server_time: bool = True) -> None:
        self._prefix = prefix
        self._server_time = server_time
        self._join = client.register_script(_JOIN)
        self._read_many = client.register_script(_READ_MANY)
        self._leave = client.register_script(_LEAVE)
        self._expire = client.register_script(_EXPIRE)
        self._admit = client.register_script(_ADMIT)

    def _keys(self, event_id: str) -> list[str]:
        base = f"{self._prefix}:{{{event_id}}}"
        return [f"{base}:{name}" for name in ("order", "wait", "adm", "ent", "room")]

    def _now(self, now: datetime) -> str:
        return "" if self._server_time else str(_ms(now))

    async def join(
        self, event_id: str, user_id: str, *, draw: int, opens_at: datetime | None, now: datetime, initial_bound: int
    ) -> tuple[StoredEntry, bool]:
        opens = "" if opens_at is None else str(_ms(opens_at))
        args = [user_id, str(draw), opens, self._now(now), str(initial_bound)]
        created, reply = await _call(self._join(keys=self._keys(event_id), args=args))
        entry = _entry(user_id, reply)
        assert entry is not None
        return entry, bool(created)

    async def read_many(self, event_id: str, user_ids: list[str], *, now: datetime) -> list[StoredEntry | None]:
        replies = await _call(self._read_many(keys=self._keys(event_id), args=[self._now(now), *user_ids]))
        return [_entry(user_id, reply) for user_id, reply in zip(user_ids, replies, strict=True)]

    async def leave(self, event_id: str, user_id: str) -> None:
        await _call(self._leave(keys=self._keys(event_id), args=[user_id]))

    async def expire(self, event_id: str, *, now: datetime, initial_bound: int) -> RoomState:
        reply = await _call(self._expire(keys=self._keys(event_id), args=[self._now(now), str(initial_bound)]))
        bound, bound_at, active, waiting, expired, at = reply
        return RoomState(
            bound=int(bound),
            bound_at=_at(bound_at),
            active=int(active),
            waiting=int(waiting),
            expired=int(expired),
            now=_at(at),
        )

    async def admit(
        self, event_id: str, *, now: datetime, ttl: timedelta, new_bound: int | None, seen_bound_at: datetime
    ) -> AdmitResult:
        ttl_ms = ttl // timedelta(milliseconds=1)
        proposed = "" if new_bound is None else str(new_bound)
        args = [self._now(now), str(ttl_ms), proposed, str(_ms(seen_bound_at))]
        bound, active, waiting, at, until_ms, out = await _call(self._admit(keys=self._keys(event_id), args=args))
        until = _at(until_ms)
        admitted = [Admitted(_text(out[i]), _at(out[i + 1]), until) for i in range(0, len(out), 2)]
        return AdmitResult(admitted=admitted, bound=int(bound), active=int(active), waiting=int(waiting), now=_at(at))


async def _call(pending: Any) -> Any:
    try:
        return await pending
    except (RedisError, OSError) as error:
        # Every waiting client hears this at once: five seconds (a client adds its own jitter) rather than one,
        # which brought them all back in the same second while the platform was already short of breath.
        raise errors.Unavailable("The waiting room is unavailable; try again shortly.", retry_after=5) from error


def _entry(user_id: str, reply: list[Any]) -> StoredEntry | None:
    if not int(reply[0]):
        return None
    _, status, rank, ahead, waiting, rate, joined, until_ms, now = reply
    return StoredEntry(
        user_id=user_id,
        status=QueueStatus(_text(status)),
        rank=int(rank),
        ahead=int(ahead),
        waiting=int(waiting),
        rate=float(_text(rate)),
        joined_at=_at(joined),
        admitted_until=_at(until_ms) if int(until_ms) else None,
        now=_at(now),
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _at(ms: bytes | str | int) -> datetime:
    return _EPOCH + timedelta(milliseconds=int(ms))


def _ms(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(milliseconds=1)
