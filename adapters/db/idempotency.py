"""Idempotency keys: one row per (user, key), claimed with INSERT … ON CONFLICT DO NOTHING."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from adapters.db.base import Repository
from adapters.db.tables import idempotency_keys as keys
from domain.ports import IdempotencyRecord


class SqlIdempotencyRepository(Repository):
    async def claim(
        self, user_id: str, key: str, request_hash: str, now: datetime, locked_until: datetime
    ) -> IdempotencyRecord | None:
        # On PostgreSQL a concurrent claim of the same key waits here for the first one's transaction,
        # then inserts nothing (it committed) or inserts (it rolled back): exactly one request owns the key.
        stmt = (
            self._insert(keys)
            .values(
                user_id=user_id,
                key=key,
                request_hash=request_hash,
                outcome=None,
                locked_until=locked_until,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["user_id", "key"])
            .returning(keys.c.key)
        )
        if (await self._conn.execute(stmt)).first() is not None:
            return None
        query = select(keys).where(keys.c.user_id == user_id, keys.c.key == key)
        if self._on_postgres:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).mappings().one()
        record = IdempotencyRecord(row["request_hash"], row["outcome"], row["locked_until"])
        if record.outcome is None and record.locked_until < now and record.request_hash == request_hash:
            # The first request died without an answer and its lease ran out: this retry takes the key over.
            await self._conn.execute(
                update(keys).where(keys.c.user_id == user_id, keys.c.key == key).values(locked_until=locked_until)
            )
            return None
        return record

    async def complete(self, user_id: str, key: str, outcome: dict[str, Any]) -> None:
        await self._conn.execute(
            update(keys).where(keys.c.user_id == user_id, keys.c.key == key).values(outcome=outcome)
        )

    async def release(self, user_id: str, key: str) -> None:
        await self._conn.execute(delete(keys).where(keys.c.user_id == user_id, keys.c.key == key))

    async def purge(self, created_before: datetime) -> int:
        result = await self._conn.execute(delete(keys).where(keys.c.created_at < created_before))
        return int(result.rowcount)
