"""Idempotency keys: the same key and body give the first outcome again, whatever happened since."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from domain import errors
from domain.ports import IdempotencyRecord, StoredKey

LEASE = timedelta(seconds=60)  # a request still "in progress" after this was lost; its key may be taken over
KEEP_FOR = timedelta(hours=48)  # the contract promises at least 24 hours
MAX_KEY_LENGTH = 255


def fingerprint(action: str, body: dict[str, Any]) -> str:
    canonical = json.dumps({"action": action, "body": body}, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise errors.ValidationFailed(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} printable characters.",
            fields={"Idempotency-Key": "invalid"},
        )
    return key


def success(body: dict[str, Any]) -> dict[str, Any]:
    return {"ok": body}


def failure(error: errors.DomainError) -> dict[str, Any]:
    return {
        "error": {"type": type(error).__name__, "message": error.message, "code": error.code, "details": error.details}
    }


def replay(record: IdempotencyRecord, request_hash: str) -> dict[str, Any]:
    """The first request's answer as it was stored (`success`), or its error raised again."""
    if record.request_hash != request_hash:
        raise errors.IdempotencyKeyReused()
    if record.outcome is None:
        raise errors.IdempotencyInProgress()
    if "ok" in record.outcome:
        body: dict[str, Any] = record.outcome["ok"]
        return body
    stored = record.outcome["error"]
    cls = getattr(errors, stored["type"], errors.DomainError)
    raise cls(stored["message"], code=stored["code"], **stored["details"])


def is_final(error: errors.DomainError) -> bool:
    """Whether an error is the answer to keep; timeouts and outages are not: a retry must run again."""
    transient = (
        errors.Timeout,
        errors.Unavailable,
        errors.RateLimited,
        errors.IdempotencyInProgress,
        errors.PaymentInProgress,
        errors.QueuePassRequired,  # about the request's pass, not the event: the same key may try again with one
    )
    return not isinstance(error, transient)


def stored(user_id: str, key: str, request_hash: str, outcome: dict[str, Any] | None, now: datetime) -> StoredKey:
    """A key to write now: with its outcome, or (None) leased to the running request for LEASE."""
    return StoredKey(user_id, key, request_hash, outcome, now + LEASE if outcome is None else now, now)
