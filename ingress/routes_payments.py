"""Payments: /api/payments/*. The provider the web app should use, and Stripe's signed webhooks.

A webhook only hurries the reconciler: a charge whose answer the paying request never got (Stripe slow, the
request timed out) is settled as soon as Stripe reports how it ended, rather than at the next reconciler round.
Stripe signs each delivery (`Stripe-Signature`, checked with its SDK) and may deliver an event more than once:
the Booking service settles each event once (its inbox), and settling is idempotent anyway.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import stripe
from fastapi import APIRouter, Header, Request
from pydantic import BaseModel

from adapters.stripe_gateway import METADATA_KEY
from domain import errors
from ingress.deps import ServicesDep
from ingress.errors import error_responses

router = APIRouter(prefix="/api/payments", tags=["payments"])
REPORTED = frozenset({"payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled"})


class PaymentsConfigRead(BaseModel):
    provider: Literal["sandbox", "stripe"]
    publishable_key: str | None  # Stripe's publishable key for its card element; null with the sandbox


class WebhookAck(BaseModel):
    received: bool
    duplicate: bool  # delivered before: nothing done again
    ignored: bool  # an event this platform does not act on, or a payment it did not make


@router.get("/config", response_model=PaymentsConfigRead, responses=error_responses())
async def payments_config(services: ServicesDep) -> dict[str, Any]:
    """How the web app takes payment: the sandbox's card form, or Stripe's card element with this key."""
    config = services.payments
    stripe_on = config.provider == "stripe"
    return {"provider": "stripe" if stripe_on else "sandbox", "publishable_key": config.publishable_key or None}


@router.post("/stripe/webhook", response_model=WebhookAck, responses=error_responses(400, 404, 422, 503, 504))
async def stripe_webhook(
    request: Request,
    services: ServicesDep,
    signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> dict[str, Any]:
    """Stripe's events about PaymentIntents; 400 `bad_request` when the signature does not verify."""
    config = services.payments
    if config.provider != "stripe" or not config.webhook_secret:
        raise errors.NotFound("Stripe is not configured.")
    payload = await request.body()
    try:
        event = stripe.Webhook.construct_event(payload, signature, config.webhook_secret)
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise errors.BadRequest("The webhook's Stripe-Signature does not verify.") from error
    intent = event.data.object.to_dict() if event.type in REPORTED else {}
    charge_key = (intent.get("metadata") or {}).get(METADATA_KEY)
    if not charge_key:
        return {"received": True, "duplicate": False, "ignored": True}
    fresh = await services.booking.payment_reported(report_id=event.id, charge_key=str(charge_key))
    return {"received": True, "duplicate": not fresh, "ignored": False}
