"""Idempotency keys: one row per (user, key). Holds and payments write theirs inside their own statements
(adapters/db/holds.py, adapters/db/charges.py); these are the single-key steps around them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from adapters.db.base import Repository
from adapters.db.tables import idempotency_keys as keys
from domain.ports import IdempotencyRecord, StoredKey


def key_values(key: StoredKey) -> dict[str, Any]:
    return {
        "user_id": key.user_id,
        "key": key.key,
        "request_hash": key.request_hash,
        "outcome": key.outcome,
        "locked_until": key.locked_until,
        "created_at": key.created_at,
    }


def record(row: Any) -> IdempotencyRecord:
    return IdempotencyRecord(row["request_hash"], row["outcome"], row["locked_until"])


class SqlIdempotencyRepository(Repository):
    async def get(self, user_id: str, key: str) -> IdempotencyRecord | None:
        query = select(keys).where(keys.c.user_id == user_id, keys.c.key == key)
        row = (await self._conn.execute(query)).mappings().first()
        return record(row) if row else None

    async def remember(self, key: StoredKey) -> bool:
        stmt = (
            self._insert(keys)
            .values(**key_values(key))
            .on_conflict_do_nothing(index_elements=["user_id", "key"])
            .returning(keys.c.key)
        )
        return (await self._conn.execute(stmt)).first() is not None

    async def complete(self, user_id: str, key: str, outcome: dict[str, Any]) -> None:
        await self._conn.execute(
            update(keys).where(keys.c.user_id == user_id, keys.c.key == key).values(outcome=outcome)
        )

    async def release(self, user_id: str, key: str) -> None:
        await self._conn.execute(delete(keys).where(keys.c.user_id == user_id, keys.c.key == key))

    async def purge(self, created_before: datetime) -> int:
        result = await self._conn.execute(delete(keys).where(keys.c.created_at < created_before))
        return int(result.rowcount)
