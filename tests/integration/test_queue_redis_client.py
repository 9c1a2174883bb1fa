"""The queue's own Redis client (adapters/queue_bootstrap.py) on real Redis, through a proxy that can cut it: a
pooled connection broken while Redis was away is replaced on the next call, which then succeeds (as the first
polls after the e2e suite's Redis outage must); while Redis is away the waiting room says so with a 503 of its
own, and a join made again after a late answer is the same entry."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest

from adapters.queue_bootstrap import queue_redis_client
from adapters.queue_redis import RedisQueueStore
from domain import errors
from domain.queue_pass import PassSigner
from domain.waiting_room import AdmissionPolicy, Room, WaitingRoom
from tests.e2e.tcp_proxy import TcpProxy
from tests.integration.it_support import FixedClock
from tests.integration.redis_support import LIVE_REDIS


@pytest.fixture
async def through_proxy() -> AsyncIterator[tuple[TcpProxy, RedisQueueStore, str]]:
    target = urlsplit(LIVE_REDIS)
    proxy = TcpProxy(target.port or 6379, target.hostname or "127.0.0.1")
    client = queue_redis_client(f"redis://127.0.0.1:{proxy.port}{target.path or '/0'}")
    prefix = f"test:queue-client:{secrets.token_hex(4)}"
    try:
        await client.ping()
    except Exception as exc:  # no Redis here: nothing to test against
        pytest.skip(f"no Redis at {LIVE_REDIS}: {exc}")
    yield proxy, RedisQueueStore(client, prefix=prefix), prefix
    proxy.restore()
    keys = [k async for k in client.scan_iter(match=f"{prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def _room(store: RedisQueueStore) -> WaitingRoom:
    return WaitingRoom(
        store=store, passes=PassSigner(secrets.token_bytes(32)), clock=FixedClock(datetime.now(UTC)),
        policy=AdmissionPolicy(), pass_ttl=timedelta(minutes=5),
    )  # fmt: skip


async def test_after_an_outage_the_first_call_gets_a_fresh_connection_and_succeeds(
    through_proxy: tuple[TcpProxy, RedisQueueStore, str],
) -> None:
    proxy, store, _ = through_proxy
    room, event = _room(store), Room(f"event-{secrets.token_hex(4)}", sale_starts_at=None)
    _, created = await room.join("ada", event)
    assert created
    await asyncio.gather(*(room.status("ada", event) for _ in range(6)))  # several connections in the pool

    proxy.cut()
    with pytest.raises(errors.Unavailable) as refused:
        await room.status("ada", event)
    assert refused.value.details["retry_after"] == 5
    proxy.restore()

    for _ in range(6):  # each pooled connection was closed by the cut: each is made again when next used
        entry = await room.status("ada", event)
        assert entry.status.value == "waiting" and entry.position == 1
    again, created = await room.join("ada", event)
    assert not created and again.position == 1
