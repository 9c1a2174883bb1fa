"""Catalog reads answered in the ingress replica itself, each checked against the catalog's generations.

A cached read costs one Redis round trip (MGET of the epoch, the listings' counter and the events' counters), or
without Redis its share of one batched query of the versions in the database (adapters/catalog_versions.py), and
no hop to the Catalog deployment. Misses are filled from the primary (a lagging replica could otherwise file a
pre-change copy under the new generation), stamped with the generations read before the fetch (adapters/cache.py
says why that is always safe). A list is kept as the ids it showed, under the listings' generation; its events
come from the per-event copies, so a hold on one event refetches that event only, never the whole list.

With Redis configured but away, every read goes to the Catalog deployment. A copy is also dropped after MAX_AGE_S
whatever the counters say: that bounds how long one can outlive a change whose counter bump was lost to a Redis
blip (the database's versions have no such window).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Generic, TypeVar

from adapters.cache import GenerationSource
from domain.accounts import Principal
from domain.catalog import EventDraft, EventSales
from domain.model import Event, EventStatus
from domain.pagination import Page
from domain.ports import EventFilter
from ingress.services import CatalogApi

MAX_AGE_S = 30.0
MAX_EVENTS = 20_000
MAX_LISTS = 5_000

K = TypeVar("K")
V = TypeVar("V")
Stamp = tuple[str, int]


class _Lru(Generic[K, V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        item = self._items.get(key)
        if item is None:
            return None
        if time.monotonic() - item[0] > MAX_AGE_S:
            del self._items[key]
            return None
        self._items.move_to_end(key)
        return item[1]

    def put(self, key: K, value: V) -> None:
        self._items[key] = (time.monotonic(), value)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


@dataclass(frozen=True)
class _Listing:
    stamp: Stamp
    ids: tuple[str, ...]
    next_cursor: str | None


class LocalCatalog:
    """CatalogApi with its public reads cached in this process; every other call goes straight through."""

    def __init__(self, catalog: CatalogApi, generations: GenerationSource) -> None:
        self._catalog = catalog
        self._generations = generations
        self._events: _Lru[str, tuple[Stamp, Event]] = _Lru(MAX_EVENTS)
        self._lists: _Lru[str, _Listing] = _Lru(MAX_LISTS)

    async def get_event(self, event_id: str, *, viewer: Principal | None = None, primary: bool = False) -> Event:
        generations = await self._generations.read([event_id])
        if generations is None:
            return await self._catalog.get_event(event_id, viewer=viewer, primary=primary)
        stamp = generations.of_event(event_id)
        cached = self._events.get(event_id)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        event = await self._catalog.get_event(event_id, viewer=viewer, primary=True)
        if event.status is not EventStatus.DRAFT:  # drafts are for their owner only
            self._events.put(event_id, (stamp, event))
        return event

    async def list_events(
        self, flt: EventFilter, *, limit: int = 20, cursor: str | None = None, primary: bool = False
    ) -> Page[Event]:
        key = repr((sorted(asdict(flt).items()), limit, cursor))
        listing = self._lists.get(key)
        generations = await self._generations.read(listing.ids if listing else ())
        if generations is None:
            return await self._catalog.list_events(flt, limit=limit, cursor=cursor, primary=primary)
        if listing is None or listing.stamp != generations.of_listings:
            page = await self._catalog.list_events(flt, limit=limit, cursor=cursor, primary=True)
            # The events' own copies are not filed from here: their counters were not read before this fetch.
            self._lists.put(key, _Listing(generations.of_listings, tuple(e.id for e in page.items), page.next_cursor))
            return page
        found: dict[str, Event] = {}
        stale: list[str] = []
        for event_id in listing.ids:
            cached = self._events.get(event_id)
            if cached is not None and cached[0] == generations.of_event(event_id):
                found[event_id] = cached[1]
            else:
                stale.append(event_id)
        if stale:
            for event in await self._catalog.get_events(stale):
                self._events.put(event.id, (generations.of_event(event.id), event))
                found[event.id] = event
        return Page([found[i] for i in listing.ids if i in found], listing.next_cursor)

    async def get_events(self, event_ids: Sequence[str]) -> list[Event]:
        return await self._catalog.get_events(event_ids)

    async def create_event(self, principal: Principal, draft: EventDraft) -> Event:
        return await self._catalog.create_event(principal, draft)

    async def update_event(self, principal: Principal, event_id: str, changes: dict[str, Any]) -> Event:
        return await self._catalog.update_event(principal, event_id, changes)

    async def cancel_event(self, principal: Principal, event_id: str) -> Event:
        return await self._catalog.cancel_event(principal, event_id)

    async def organizer_events(
        self, principal: Principal, *, limit: int = 20, cursor: str | None = None
    ) -> Page[EventSales]:
        return await self._catalog.organizer_events(principal, limit=limit, cursor=cursor)
