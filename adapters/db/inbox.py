"""The consumers' inbox: one row per (consumer, message) handled."""

from __future__ import annotations

from datetime import datetime

from adapters.db.base import Repository
from adapters.db.tables import inbox


class SqlInboxRepository(Repository):
    async def claim(self, consumer: str, message_id: str, now: datetime) -> bool:
        # On PostgreSQL a concurrent duplicate blocks on the primary key until the first commits, then skips.
        stmt = self._insert(inbox).values(consumer=consumer, message_id=message_id, processed_at=now)
        result = await self._conn.execute(stmt.on_conflict_do_nothing().returning(inbox.c.message_id))
        return result.first() is not None
