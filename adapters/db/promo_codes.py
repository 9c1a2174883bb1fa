"""Promo codes: their rows and the organizer's repository. The hold's statement takes their uses itself
(adapters/db/holds.py), the release gives them back (adapters/db/events.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import null, select

from adapters.db.base import Repository
from adapters.db.ticket_tables import promo_codes
from domain.pricing import PromoCode


def promo_from_row(row: Any) -> PromoCode:
    scope = row["ticket_type_ids"]
    return PromoCode(
        code=row["code"],
        percent_off=row["percent_off"],
        amount_off_cents=row["amount_off_cents"],
        max_uses=row["max_uses"],
        uses=row["uses"],
        valid_until=row["valid_until"],
        ticket_type_ids=frozenset(scope) if scope is not None else None,
        id=row["id"],
    )


def promo_row(event_id: str, promo: PromoCode, created_at: datetime) -> dict[str, Any]:
    scope = sorted(promo.ticket_type_ids) if promo.ticket_type_ids is not None else null()  # SQL NULL: every type
    return {
        "id": promo.id, "event_id": event_id, "code": promo.code, "percent_off": promo.percent_off,
        "amount_off_cents": promo.amount_off_cents, "max_uses": promo.max_uses, "uses": promo.uses,
        "valid_until": promo.valid_until, "ticket_type_ids": scope, "created_at": created_at,
    }  # fmt: skip


class SqlPromoCodeRepository(Repository):
    async def add(self, event_id: str, promo: PromoCode, created_at: datetime) -> bool:
        added = (
            self._insert(promo_codes)
            .values(**promo_row(event_id, promo, created_at))
            .on_conflict_do_nothing(index_elements=["event_id", "code"])  # the code is stored upper-case
            .returning(promo_codes.c.id)
        )
        return (await self._conn.execute(added)).first() is not None

    async def for_event(self, event_id: str) -> list[PromoCode]:
        query = (
            select(promo_codes)
            .where(promo_codes.c.event_id == event_id)
            .order_by(promo_codes.c.created_at, promo_codes.c.id)
        )
        return [promo_from_row(row) for row in (await self._conn.execute(query)).mappings()]
