"""Stripe behind the PaymentGateway port: PaymentIntents through Stripe's official SDK.

A charge is two calls, each under its own Stripe idempotency key derived from the platform's key: create the
PaymentIntent (amount, currency, the payment method the web app's Stripe element collected, the key in its
metadata), which moves no money; then confirm it, which charges. Before either, the key's row in the ledger
(`stripe_charges`) records what it charges, so `settle` can replay the creation exactly: Stripe answers the replay
with the same intent (or creates it now, unconfirmed, harmless). Settle then cancels an intent that is not finished;
a confirmation arriving late finds it canceled, and Stripe orders confirm and cancel on one intent, so the paying
request and the reconciler see the same end. A key that settle sees first is `voided`: its charge is never sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import stripe
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.clock import SystemClock
from adapters.db.tables import stripe_charges
from adapters.db.uow import Link, Statements
from domain import errors
from domain.payments import ChargeRequest, ChargeResult
from domain.ports import Clock

log = logging.getLogger(__name__)

PASSED_ON = frozenset({"insufficient_funds", "expired_card", "incorrect_cvc", "authentication_required"})
UNFINISHED = frozenset({"requires_payment_method", "requires_confirmation", "requires_action", "requires_capture"})
METADATA_KEY = "eventbook_charge_key"  # the webhook finds the booking through it (domain.paying.booking_of)


class StripeGateway:
    def __init__(
        self, engine: AsyncEngine, client: stripe.StripeClient, *, timeout_s: float = 4.0, clock: Clock | None = None
    ) -> None:
        self._statements = Statements(engine)
        self._stripe = client.v1
        self._timeout_s = timeout_s  # a charge Stripe has not answered by then is `processing`
        # An intent created but not yet confirmed may have its confirmation on the way: it is only cancelled once
        # no confirmation this adapter sent can still be travelling.
        self._grace = timedelta(seconds=max(30.0, 3 * timeout_s))
        self._clock = clock or SystemClock()

    async def charge_many(self, charges: Sequence[ChargeRequest]) -> list[ChargeResult]:
        """One INSERT for the batch's ledger rows, then each charge at Stripe at once; never waits past the timeout."""
        rows = {c.key: self._row(c) for c in charges}
        async with self._statements() as conn:
            stmt = self._insert(conn).values(list(rows.values())).on_conflict_do_nothing(index_elements=["key"])
            inserted = {key for (key,) in await conn.execute(stmt.returning(stripe_charges.c.key))}
            seen = [key for key in rows if key not in inserted]  # retries: charge what was recorded first
            if seen:
                found = await conn.execute(select(stripe_charges).where(stripe_charges.c.key.in_(seen)))
                rows.update({row.key: row._asdict() for row in found})
        tasks = {c.key: asyncio.ensure_future(self._charge(rows[c.key])) for c in charges}
        _, pending = await asyncio.wait(tasks.values(), timeout=self._timeout_s)
        for task in pending:
            task.cancel()  # its outcome is Stripe's to tell: settle asks
        return [
            tasks[c.key].result() if tasks[c.key] not in pending else ChargeResult(c.key, "processing") for c in charges
        ]

    async def settle(self, key: str) -> ChargeResult:
        """How the charge under `key` ended; an unfinished intent is cancelled (a key never seen is voided)."""
        async with self._statements() as conn:
            values = {"key": key, "amount_cents": 0, "currency": "", "payment_method": "", "voided": True}
            await conn.execute(
                self._insert(conn)
                .values(**values, created_at=self._clock.now())
                .on_conflict_do_nothing(index_elements=["key"])
            )
            row = (await conn.execute(select(stripe_charges).where(stripe_charges.c.key == key))).one()._asdict()
        if row["voided"]:
            return ChargeResult(key, "declined", decline_code="voided")
        try:
            intent = await self._retrieve((await self._create(row)).id)
            if intent.status in UNFINISHED:
                if intent.status == "requires_confirmation" and self._clock.now() < row["created_at"] + self._grace:
                    return ChargeResult(key, "processing")  # its confirmation may be on the way
                intent = await self._cancel(key, intent)
        except stripe.StripeError as error:
            raise errors.Unavailable(f"Stripe did not answer: {error.user_message or error}", retry_after=5) from error
        return _result(key, intent)

    async def refund(self, *, key: str, charge_reference: str, amount_cents: int) -> str:
        """Refund the PaymentIntent `charge_reference`, once per key (Stripe's idempotency key is ours)."""
        params: Any = {"payment_intent": charge_reference, "amount": amount_cents, "metadata": {"eventbook_key": key}}
        try:
            refund = await self._stripe.refunds.create_async(params, {"idempotency_key": key})
        except stripe.StripeError as error:
            raise errors.Unavailable(f"Stripe did not answer: {error.user_message or error}", retry_after=5) from error
        return str(refund.id)

    async def _charge(self, row: dict[str, Any]) -> ChargeResult:
        key = row["key"]
        if row["voided"]:
            return ChargeResult(key, "declined", decline_code="voided")
        if not row["payment_method"]:  # a card number never goes to Stripe (the platform takes payment methods)
            return ChargeResult(key, "declined", decline_code="card_declined")
        try:
            intent = await self._create(row)
            if intent.status == "requires_confirmation":
                intent = await self._stripe.payment_intents.confirm_async(
                    intent.id, {"expand": ["payment_method"]}, {"idempotency_key": f"{key}:confirm"}
                )
            elif intent.status != "canceled":
                intent = await self._retrieve(intent.id)
            if intent.status == "requires_action":  # 3-D Secure: this checkout cannot take it, nothing is charged
                await self._cancel(key, intent)
                return ChargeResult(key, "declined", decline_code="authentication_required")
        except stripe.CardError as error:
            return ChargeResult(key, "declined", decline_code=_decline_code(error.error))
        except stripe.InvalidRequestError as error:
            if error.code == "payment_intent_unexpected_state":  # settle cancelled it first: a late confirmation
                return await self._ended(key)
            log.warning("Stripe refused charge %s: %s", key, error.user_message or error)
            return ChargeResult(key, "declined", decline_code="card_declined")
        except stripe.StripeError as error:  # down, slow, rate limited, the key in flight: Stripe's to tell
            log.warning("charge %s: Stripe did not answer (%s); settle decides", key, type(error).__name__)
            return ChargeResult(key, "processing")
        return _result(key, intent)

    async def _ended(self, key: str) -> ChargeResult:
        try:
            async with self._statements() as conn:
                row = (await conn.execute(select(stripe_charges).where(stripe_charges.c.key == key))).one()
            return _result(key, await self._retrieve((await self._create(row._asdict())).id))
        except stripe.StripeError:
            return ChargeResult(key, "processing")

    async def _create(self, row: dict[str, Any]) -> Any:
        """The key's PaymentIntent, created unconfirmed; the same parameters every time, so a replay finds it."""
        params: Any = {
            "amount": row["amount_cents"],
            "currency": row["currency"].lower(),
            "payment_method": row["payment_method"],
            "payment_method_types": ["card"],
            "metadata": {METADATA_KEY: row["key"]},
        }
        return await self._stripe.payment_intents.create_async(params, {"idempotency_key": row["key"]})

    async def _retrieve(self, intent_id: str) -> Any:
        return await self._stripe.payment_intents.retrieve_async(intent_id, {"expand": ["payment_method"]})

    async def _cancel(self, key: str, intent: Any) -> Any:
        """Cancel an unfinished intent; if it finished meanwhile (a confirmation landed), its end as it is now."""
        try:
            await self._stripe.payment_intents.cancel_async(intent.id, None, {"idempotency_key": f"{key}:cancel"})
        except stripe.InvalidRequestError:
            pass  # no longer cancellable: it succeeded, or was cancelled already
        current = await self._retrieve(intent.id)
        if current.status == "canceled" and intent.last_payment_error is not None:
            return intent  # keep the decline that made it unfinished (insufficient funds…)
        return current

    def _row(self, charge: ChargeRequest) -> dict[str, Any]:
        return {
            "key": charge.key,
            "amount_cents": charge.amount_cents,
            "currency": charge.currency,
            "payment_method": charge.payment_method,
            "voided": False,
            "created_at": self._clock.now(),
        }

    @staticmethod
    def _insert(conn: Link) -> Any:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        return dialect.insert(stripe_charges)


def _result(key: str, intent: Any) -> ChargeResult:
    if intent.status == "succeeded":
        return ChargeResult(key, "succeeded", str(intent.id), "", _last4(intent))
    if intent.status == "processing":
        return ChargeResult(key, "processing")
    if intent.status in ("canceled", "requires_payment_method"):
        error = intent.last_payment_error
        return ChargeResult(key, "declined", decline_code=_decline_code(error) if error else "voided")
    return ChargeResult(key, "processing")  # requires_confirmation / requires_capture within its grace


def _decline_code(error: Any) -> str:
    """The contract's decline code for Stripe's error: its decline code when the buyer can act on it."""
    code = (getattr(error, "decline_code", None) or getattr(error, "code", None) or "") if error else ""
    return code if code in PASSED_ON else "card_declined"


def _last4(intent: Any) -> str:
    method = intent.payment_method
    card = getattr(method, "card", None) if method is not None and not isinstance(method, str) else None
    return str(getattr(card, "last4", "") or "")


def stripe_client(secret_key: str, *, api_base: str | None, timeout_s: float) -> stripe.StripeClient:
    """Stripe's client over httpx (async), pointed at `api_base` when given (a Stripe-compatible server)."""
    return stripe.StripeClient(
        secret_key,
        base_addresses={"api": api_base} if api_base else None,
        http_client=stripe.HTTPXClient(timeout=timeout_s * 2),
        max_network_retries=1,  # safe: every request carries an idempotency key
    )
