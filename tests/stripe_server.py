"""A Stripe-compatible HTTP server on this machine: the part of Stripe's API the Stripe adapter calls.

The npm package `stripe-stateful-mock` (0.0.16, its latest) serves charges, customers, refunds by charge and
idempotency keys, but no PaymentIntents and no PaymentMethods (`POST /v1/payment_intents` answers 404 "No matching
path"), so it cannot serve the adapter. This server speaks Stripe's wire protocol for what the adapter uses, over
real HTTP, so the official SDK runs unchanged against it:

- `POST /v1/payment_intents`, `GET /v1/payment_intents/{id}` (`expand[]=payment_method`),
  `POST /v1/payment_intents/{id}/confirm`, `POST /v1/payment_intents/{id}/cancel`, `POST /v1/refunds`;
- form-encoded bodies, `Authorization: Bearer sk_…`, Stripe's error bodies and status codes (402 card errors,
  400 `payment_intent_unexpected_state`, 404 `resource_missing`);
- `Idempotency-Key`: the same key and body replays the first answer (`Idempotent-Replayed: true`), another body
  is 400 `idempotency_error`, as Stripe does;
- Stripe's test payment methods `pm_card_visa`, `pm_card_chargeDeclined`,
  `pm_card_chargeDeclinedInsufficientFunds`, `pm_card_authenticationRequired`, plus `pm_card_eventbook_slow`
  (not Stripe's: its confirmation takes `slow_s` seconds, like a charge whose answer is late).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

CARDS = {
    "pm_card_visa": ("4242", None),
    "pm_card_chargeDeclined": ("0002", "generic_decline"),
    "pm_card_chargeDeclinedInsufficientFunds": ("9995", "insufficient_funds"),
    "pm_card_authenticationRequired": ("3184", "authentication_required"),
    "pm_card_eventbook_slow": ("0259", None),
}
CANCELLABLE = {"requires_payment_method", "requires_confirmation", "requires_action", "requires_capture"}


class StripeError(Exception):
    def __init__(self, status: int, error: dict[str, Any]) -> None:
        super().__init__(error.get("message"))
        self.status, self.error = status, error


class FakeStripe:
    """The server's state: intents and refunds by id, stored idempotent answers, and a count of calls per route."""

    def __init__(self, *, slow_s: float = 2.0, port: int = 0) -> None:
        self.slow_s = slow_s
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.idempotent: dict[tuple[str, str], tuple[dict[str, str], int, bytes]] = {}
        self.calls: Counter[str] = Counter()
        self.lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeStripe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def handle(self, method: str, path: str, params: dict[str, str]) -> dict[str, Any]:
        parts = path.strip("/").split("/")
        self.calls[f"{method} /{'/'.join(p if not p.startswith(('pi_', 're_')) else '{id}' for p in parts)}"] += 1
        if method == "POST" and parts == ["v1", "payment_intents"]:
            return self._create(params)
        if parts[:2] == ["v1", "payment_intents"] and len(parts) >= 3:
            intent = self._intent(parts[2])
            if method == "GET" and len(parts) == 3:
                return self._view(intent, params)
            if method == "POST" and parts[3:] == ["confirm"]:
                return self._confirm(intent, params)
            if method == "POST" and parts[3:] == ["cancel"]:
                return self._cancel(intent)
        if method == "POST" and parts == ["v1", "refunds"]:
            return self._refund(params)
        raise StripeError(404, {"type": "invalid_request_error", "message": f"Unrecognized request URL ({path})."})

    def _create(self, params: dict[str, str]) -> dict[str, Any]:
        method = params.get("payment_method")
        intent = {
            "id": f"pi_{secrets.token_hex(12)}",
            "object": "payment_intent",
            "amount": int(params["amount"]),
            "currency": params["currency"],
            "status": "requires_confirmation" if method else "requires_payment_method",
            "payment_method": method,
            "metadata": {k[len("metadata[") : -1]: v for k, v in params.items() if k.startswith("metadata[")},
            "last_payment_error": None,
            "amount_refunded": 0,
            "created": int(time.time()),
        }
        with self.lock:
            self.intents[intent["id"]] = intent
        return self._view(intent, params)

    def _confirm(self, intent: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            method = params.get("payment_method") or intent["payment_method"]
            if intent["status"] not in ("requires_confirmation", "requires_payment_method") or not method:
                raise _unexpected(intent)
            intent["status"] = "processing" if method == "pm_card_eventbook_slow" else intent["status"]
        if method == "pm_card_eventbook_slow":
            time.sleep(self.slow_s)
        with self.lock:
            if method not in CARDS:
                raise StripeError(400, {"type": "invalid_request_error", "code": "resource_missing"})
            intent["payment_method"] = method
            decline = CARDS[method][1]
            if decline == "authentication_required":
                intent["status"] = "requires_action"
            elif decline:
                intent["status"] = "requires_payment_method"
                code = "card_declined"
                intent["last_payment_error"] = {"type": "card_error", "code": code, "decline_code": decline}
                error = {"type": "card_error", "code": code, "decline_code": decline, "message": "Declined."}
                raise StripeError(402, {**error, "payment_intent": self._view(intent, {})})
            else:
                intent["status"] = "succeeded"
            return self._view(intent, params)

    def _cancel(self, intent: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if intent["status"] not in CANCELLABLE:
                raise _unexpected(intent)
            intent["status"] = "canceled"
            return self._view(intent, {})

    def _refund(self, params: dict[str, str]) -> dict[str, Any]:
        with self.lock:
            intent = self._intent(params["payment_intent"])
            amount = int(params.get("amount", intent["amount"] - intent["amount_refunded"]))
            if intent["status"] != "succeeded" or amount > intent["amount"] - intent["amount_refunded"]:
                raise StripeError(400, {"type": "invalid_request_error", "code": "charge_already_refunded"})
            intent["amount_refunded"] += amount
            refund = {"id": f"re_{secrets.token_hex(12)}", "object": "refund", "amount": amount, "status": "succeeded"}
            self.refunds[refund["id"]] = {**refund, "payment_intent": intent["id"]}
            return refund

    def _intent(self, intent_id: str) -> dict[str, Any]:
        intent = self.intents.get(intent_id)
        if intent is None:
            message = f"No such payment_intent: '{intent_id}'"
            raise StripeError(404, {"type": "invalid_request_error", "code": "resource_missing", "message": message})
        return intent

    def _view(self, intent: dict[str, Any], params: dict[str, str]) -> dict[str, Any]:
        view = {k: v for k, v in intent.items() if k != "amount_refunded"}
        method = intent["payment_method"]
        if method and "payment_method" in {v for k, v in params.items() if k.startswith("expand[")}:
            view["payment_method"] = {"id": method, "object": "payment_method", "card": {"last4": CARDS[method][0]}}
        return json.loads(json.dumps(view))

    def event(self, event_type: str, intent_id: str, *, event_id: str | None = None) -> bytes:
        """The body of the webhook Stripe sends about the intent as it is now."""
        with self.lock:
            intent = self._view(self.intents[intent_id], {})
        body = {
            "id": event_id or f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "type": event_type,
            "livemode": False,
            "data": {"object": intent},
        }
        return json.dumps(body).encode()


def _unexpected(intent: dict[str, Any]) -> StripeError:
    message = f"This PaymentIntent's status is {intent['status']}."
    return StripeError(
        400, {"type": "invalid_request_error", "code": "payment_intent_unexpected_state", "message": message}
    )


def _handler(stripe: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            params = dict(parse_qsl(url.query if method == "GET" else body, keep_blank_values=True))
            if not (self.headers.get("Authorization") or "").startswith("Bearer sk_"):
                self._send(401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided."}})
                return
            key = self.headers.get("Idempotency-Key")
            stored = stripe.idempotent.get((url.path, key)) if key else None
            if stored is not None:
                if stored[0] != params:
                    error = {"type": "idempotency_error", "message": "Keys for idempotent requests can only be used "}
                    self._send(400, {"error": error})
                else:
                    self._send(stored[1], stored[2], replayed=True)
                return
            try:
                status, answer = 200, stripe.handle(method, url.path, params)
            except StripeError as error:
                status, answer = error.status, {"error": error.error}
            raw = json.dumps(answer).encode()
            if key and method == "POST":
                stripe.idempotent[(url.path, key)] = (params, status, raw)
            self._send(status, raw)

        def _send(self, status: int, body: dict[str, Any] | bytes, *, replayed: bool = False) -> None:
            raw = body if isinstance(body, bytes) else json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Request-Id", f"req_{secrets.token_hex(7)}")
                if replayed:
                    self.send_header("Idempotent-Replayed", "true")
                self.end_headers()
                self.wfile.write(raw)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a slow confirmation): the work is done all the same

    return Handler


if __name__ == "__main__":  # a trial by hand: `python -m tests.stripe_server 12111` (README, "Taking real payments")
    import sys
    import time

    server = FakeStripe(port=int(sys.argv[1]) if len(sys.argv) > 1 else 12111).start()
    print(f"Stripe-compatible server on {server.url} (Ctrl-C stops it)", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
