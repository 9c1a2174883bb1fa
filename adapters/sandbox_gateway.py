"""The built-in sandbox payment gateway: behaves like a real one for the documented test cards.

It keeps its own ledger (tables sandbox_charges and sandbox_refunds) and is idempotent by key. The slow
card's charge is recorded at once as `processing` and becomes `succeeded` when its settle time passes,
whoever asks: so a caller that gave up (timeout) and the reconciler both see the same final outcome.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.clock import SystemClock
from adapters.db.tables import sandbox_charges, sandbox_refunds
from domain.payments import Card, ChargeResult
from domain.ports import Clock

DECLINES = {"4000000000000002": "card_declined", "4000000000009995": "insufficient_funds"}
SLOW_CARD = "4000000000000259"


class SandboxGateway:
    def __init__(self, engine: AsyncEngine, *, slow_delay_s: float = 30.0, clock: Clock | None = None) -> None:
        self._engine = engine
        self._slow_delay = timedelta(seconds=slow_delay_s)
        self._clock = clock or SystemClock()

    async def charge(self, *, key: str, amount_cents: int, currency: str, card: Card) -> ChargeResult:
        now = self._clock.now()
        decline = DECLINES.get(card.number, "")
        row = {
            "key": key,
            "status": "declined" if decline else ("processing" if card.number == SLOW_CARD else "succeeded"),
            "decline_code": decline,
            "reference": "" if decline else f"ch_{secrets.token_hex(12)}",
            "amount_cents": amount_cents,
            "currency": currency,
            "card_last4": card.last4,
            "created_at": now,
            "settles_at": now + self._slow_delay if card.number == SLOW_CARD else now,
        }
        async with self._engine.begin() as conn:
            stmt = self._insert(conn).values(**row).on_conflict_do_nothing(index_elements=["key"])
            inserted = (await conn.execute(stmt.returning(sandbox_charges.c.key))).first() is not None
        if inserted and row["status"] != "processing":  # a new charge, decided at once: no need to read it back
            return ChargeResult(key, str(row["status"]), str(row["reference"]), decline, card.last4)
        while True:  # the slow card answers only once it settles; the caller's timeout decides how long it waits
            result, settles_at = await self._read(key)
            if result.status != "processing":
                return result
            await asyncio.sleep(max(0.05, (settles_at - self._clock.now()).total_seconds()))

    async def settle(self, key: str) -> ChargeResult:
        now = self._clock.now()
        async with self._engine.begin() as conn:
            voided = {"key": key, "status": "voided", "decline_code": "voided", "reference": "", "amount_cents": 0}
            extra = {"currency": "", "card_last4": "", "created_at": now, "settles_at": now}
            await conn.execute(
                self._insert(conn).values(**voided, **extra).on_conflict_do_nothing(index_elements=["key"])
            )
        result, _ = await self._read(key)
        return result

    async def refund(self, *, key: str, charge_reference: str, amount_cents: int) -> str:
        values = {
            "key": key,
            "charge_reference": charge_reference,
            "amount_cents": amount_cents,
            "reference": f"re_{secrets.token_hex(12)}",
            "created_at": self._clock.now(),
        }
        async with self._engine.begin() as conn:
            await conn.execute(self._insert(conn, sandbox_refunds).values(**values).on_conflict_do_nothing())
            reference = await conn.scalar(select(sandbox_refunds.c.reference).where(sandbox_refunds.c.key == key))
        return str(reference)

    async def _read(self, key: str) -> tuple[ChargeResult, datetime]:
        now = self._clock.now()
        async with self._engine.begin() as conn:
            # A processing charge whose time has come settles now, for whoever asks first.
            await conn.execute(
                update(sandbox_charges)
                .where(
                    sandbox_charges.c.key == key,
                    sandbox_charges.c.status == "processing",
                    sandbox_charges.c.settles_at <= now,
                )
                .values(status="succeeded", reference=f"ch_{secrets.token_hex(12)}")
            )
            row = (await conn.execute(select(sandbox_charges).where(sandbox_charges.c.key == key))).one()
        status = "declined" if row.status == "voided" else row.status
        result = ChargeResult(key, status, row.reference, row.decline_code, row.card_last4)
        return result, row.settles_at

    @staticmethod
    def _insert(conn: AsyncConnection, table: Any = sandbox_charges) -> Any:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)
