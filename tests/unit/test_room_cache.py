"""ingress/room_cache.py: polls share one fetch of their event and keep it a second, failures are not kept."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from domain import errors
from domain.model import Event, EventStatus
from ingress.room_cache import RoomCache


def _event(event_id: str = "e1") -> Event:
    starts = datetime(2027, 1, 1, tzinfo=UTC)
    return Event(
        id=event_id, title="T", description="", category="music", venue="V", starts_at=starts,
        ends_at=starts + timedelta(hours=2), capacity=10, seats_available=10, price_cents=100, currency="EUR",
        status=EventStatus.PUBLISHED, organizer_id="o", created_at=starts, waiting_room=True,
    )  # fmt: skip


class Source:
    def __init__(self, fail: bool = False) -> None:
        self.fetches = 0
        self.fail = fail
        self.gate = asyncio.Event()

    async def fetch(self) -> Event:
        self.fetches += 1
        await self.gate.wait()
        if self.fail:
            raise errors.NotFound("No such event.")
        return _event()


async def test_concurrent_polls_of_one_event_share_one_fetch_and_the_next_ones_none() -> None:
    cache, source = RoomCache(ttl_s=60), Source()
    polls = [asyncio.ensure_future(cache.event("e1", source.fetch)) for _ in range(50)]
    await asyncio.sleep(0)
    source.gate.set()
    assert {e.id for e in await asyncio.gather(*polls)} == {"e1"}
    await cache.event("e1", source.fetch)
    assert source.fetches == 1


async def test_a_copy_older_than_the_ttl_is_fetched_again() -> None:
    cache, source = RoomCache(ttl_s=0), Source()
    source.gate.set()
    await cache.event("e1", source.fetch)
    await cache.event("e1", source.fetch)
    assert source.fetches == 2


async def test_a_failed_fetch_reaches_every_waiter_and_is_not_kept() -> None:
    cache, source = RoomCache(ttl_s=60), Source(fail=True)
    polls = [asyncio.ensure_future(cache.event("e1", source.fetch)) for _ in range(3)]
    await asyncio.sleep(0)
    source.gate.set()
    results = await asyncio.gather(*polls, return_exceptions=True)
    assert all(isinstance(r, errors.NotFound) for r in results)
    source.fail = False
    assert (await cache.event("e1", source.fetch)).id == "e1"
    assert source.fetches == 2


async def test_a_caller_that_goes_away_does_not_cancel_the_fetch_of_the_others() -> None:
    cache, source = RoomCache(ttl_s=60), Source()
    first = asyncio.ensure_future(cache.event("e1", source.fetch))
    second = asyncio.ensure_future(cache.event("e1", source.fetch))
    await asyncio.sleep(0)
    first.cancel()
    source.gate.set()
    assert (await second).id == "e1"
    with pytest.raises(asyncio.CancelledError):
        await first
    assert source.fetches == 1


async def test_the_oldest_events_go_past_the_size_limit() -> None:
    cache = RoomCache(ttl_s=60, max_events=2)
    fetched: list[str] = []

    def fetch_of(event_id: str):  # type: ignore[no-untyped-def]
        async def fetch() -> Event:
            fetched.append(event_id)
            return _event(event_id)

        return fetch

    for event_id in ("a", "b", "c", "a"):
        await cache.event(event_id, fetch_of(event_id))
    assert fetched == ["a", "b", "c", "a"]
