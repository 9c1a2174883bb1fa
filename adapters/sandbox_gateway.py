"""The built-in sandbox payment gateway: behaves like a real one for the documented test cards.

It keeps its own ledger (tables sandbox_charges and sandbox_refunds) and is idempotent by key. The slow
card's charge is recorded at once as `processing` and becomes `succeeded` when its settle time passes,
whoever asks (`settle`): so the paying request, which asks until its wait runs out, and the reconciler both see
the same final outcome.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SystemClock
from adapters.db.tables import sandbox_charges, sandbox_refunds
from adapters.db.uow import Link, Statements
from domain.payments import ChargeRequest, ChargeResult
from domain.ports import Clock

DECLINES = {"4000000000000002": "card_declined", "4000000000009995": "insufficient_funds"}
SLOW_CARD = "4000000000000259"


class SandboxGateway:
    def __init__(self, engine: AsyncEngine, *, slow_delay_s: float = 30.0, clock: Clock | None = None) -> None:
        # Each step of the ledger is one statement: on PostgreSQL in autocommit, one round trip (no BEGIN/COMMIT).
        self._statements = Statements(engine)
        self._slow_delay = timedelta(seconds=slow_delay_s)
        self._clock = clock or SystemClock()

    async def charge_many(self, charges: Sequence[ChargeRequest]) -> list[ChargeResult]:
        """One INSERT for the batch; a key seen before answers what it was (a retry), the slow card `processing`."""
        now = self._clock.now()
        rows = [self._row(c, now) for c in charges]
        async with self._statements() as conn:
            stmt = self._insert(conn).values(rows).on_conflict_do_nothing(index_elements=["key"])
            inserted = {key for (key,) in await conn.execute(stmt.returning(sandbox_charges.c.key))}
        results = []
        for charge, row in zip(charges, rows, strict=True):
            if charge.key in inserted:  # a new charge, decided (or processing) at once: no need to read it back
                results.append(
                    ChargeResult(charge.key, row["status"], row["reference"], row["decline_code"], row["card_last4"])
                )
            else:
                results.append((await self._read(charge.key))[0])
        return results

    def _row(self, charge: ChargeRequest, now: datetime) -> dict[str, Any]:
        number = charge.card.number if charge.card is not None else ""
        decline = DECLINES.get(number, "") if number else "card_declined"  # it takes cards only
        return {
            "key": charge.key,
            "status": "declined" if decline else ("processing" if number == SLOW_CARD else "succeeded"),
            "decline_code": decline,
            "reference": "" if decline else f"ch_{secrets.token_hex(12)}",
            "amount_cents": charge.amount_cents,
            "currency": charge.currency,
            "card_last4": charge.card.last4 if charge.card is not None else "",
            "created_at": now,
            "settles_at": now + self._slow_delay if number == SLOW_CARD else now,
        }

    async def settle(self, key: str) -> ChargeResult:
        now = self._clock.now()
        async with self._statements() as conn:
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
        async with self._statements() as conn:
            await conn.execute(self._insert(conn, sandbox_refunds).values(**values).on_conflict_do_nothing())
            reference = await conn.scalar(select(sandbox_refunds.c.reference).where(sandbox_refunds.c.key == key))
        return str(reference)

    async def _read(self, key: str) -> tuple[ChargeResult, datetime]:
        now = self._clock.now()
        async with self._statements() as conn:
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
    def _insert(conn: Link, table: Any = sandbox_charges) -> Any:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        return dialect.insert(table)
