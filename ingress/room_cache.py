"""What a queue poll needs to know about its event (waiting room on, sale start, closed), kept for a second.

A poll must not cost a hop to the Catalog deployment. The ingress's catalog cache (adapters/local_catalog.py) drops
an event's copy whenever its seats change, which during an on-sale is several times a second; without this cache
every poll after each hold refetched the event, all at once, and 5,000 waiting clients buried the Catalog replicas
under identical reads (bench-queue, first run: handle calls timing out, the sale stalled). A room's facts change
rarely and a poll can live with them a second old: "closed" only stops a waiting client a second later, and a hold
still checks everything itself. Concurrent misses of one event share one fetch.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from domain.model import Event

TTL_S = 1.0
MAX_EVENTS = 10_000


class RoomCache:
    def __init__(self, ttl_s: float = TTL_S, max_events: int = MAX_EVENTS) -> None:
        self._ttl_s = ttl_s
        self._max = max_events
        self._events: OrderedDict[str, tuple[float, Event]] = OrderedDict()
        self._fetching: dict[str, asyncio.Task[Event]] = {}

    async def event(self, event_id: str, fetch: Callable[[], Awaitable[Event]]) -> Event:
        """The event as fetched at most `ttl_s` ago. The fetch runs on its own, so a caller that goes away (a
        client hanging up) does not cancel it for the others; a fetch that fails is shared, never kept."""
        kept = self._events.get(event_id)
        if kept is not None and time.monotonic() - kept[0] < self._ttl_s:
            return kept[1]
        task = self._fetching.get(event_id)
        if task is None:
            task = asyncio.ensure_future(self._fetch(event_id, fetch))
            task.add_done_callback(_retrieved)
            self._fetching[event_id] = task
        return await asyncio.shield(task)

    async def _fetch(self, event_id: str, fetch: Callable[[], Awaitable[Event]]) -> Event:
        try:
            event = await fetch()
        finally:
            del self._fetching[event_id]
        self._events[event_id] = (time.monotonic(), event)
        self._events.move_to_end(event_id)
        while len(self._events) > self._max:
            self._events.popitem(last=False)
        return event


def _retrieved(task: asyncio.Task[Event]) -> None:
    """Mark a failure seen, so a fetch whose callers all left logs no "exception was never retrieved"."""
    if not task.cancelled():
        task.exception()
