"""The catalog's versions in the database: what the ingress's cache checks its copies against without Redis.

Each event's version moves in the very statements that change the event or its seats, and the listings' version
in the unit of work that adds or edits an event, so a copy stamped before a change can never pass for after it
(no window, unlike counters moved after the commit). Reads from the ingress are batched: one statement for every
catalog read that arrives while the previous batch is asked.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.cache import Generations
from adapters.db.tables import catalog_versions, events
from adapters.db.uow import Statements, Touched
from domain.batching import Coalescer

EPOCH = "database"  # the database keeps its versions: they never start again from 0
BATCH = 256


class DatabaseGenerations:
    def __init__(self, engine: AsyncEngine) -> None:
        self._statements = Statements(engine)
        self._reads: Coalescer[tuple[str, ...], Generations] = Coalescer(self._read_many, max_size=BATCH, at_once=2)

    async def read(self, event_ids: Sequence[str]) -> Generations | None:
        return await self._reads(tuple(event_ids))

    async def moved(self, touched: Touched) -> None:
        """Nothing to do after a commit: the statements moved the versions themselves."""

    async def _read_many(self, wanted: list[tuple[str, ...]]) -> list[Generations]:
        ids = sorted({event_id for event_ids in wanted for event_id in event_ids})
        query = (
            select(catalog_versions.c.listings, events.c.id, events.c.version)
            .select_from(catalog_versions.outerjoin(events, events.c.id.in_(ids)))
            .where(catalog_versions.c.id == 1)
        )
        async with self._statements() as db:
            rows = (await db.execute(query)).all()
        listings = int(rows[0][0]) if rows else 0
        versions = {row[1]: int(row[2]) for row in rows if row[1] is not None}
        return [Generations(EPOCH, listings, {i: versions.get(i, -1) for i in event_ids}) for event_ids in wanted]
