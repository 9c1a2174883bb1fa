"""Queue passes: what an admitted buyer shows to hold seats of a waiting-room event, checked without any store.

A pass is `<expiry in ms, hex>.<HMAC-SHA256, url-safe base64>`. The MAC covers the user, the event and the expiry,
so the ingress checks one with the key alone: a pass for another user or event, an edited expiry or a made-up
MAC fails the comparison (in constant time). The expiry travels in clear because the buyer may read it anyway
(it is `admitted_until`); user and event come from the request. Leaving the queue does not revoke a pass: it
runs out by itself within the pass lifetime (minutes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta

from domain import errors

_TOKEN = re.compile(r"([0-9a-f]{1,12})\.([A-Za-z0-9_-]{43})")  # 12 hex digits of ms reach past the year 9999
_PURPOSE = "eventbook queue pass v1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class PassSigner:
    def __init__(self, key: bytes) -> None:
        if len(key) < 16:
            raise ValueError("a queue pass key needs at least 16 bytes")
        self._key = key

    def issue(self, user_id: str, event_id: str, until: datetime) -> str:
        """A pass for the user and event, good until `until` (to the millisecond, rounded down)."""
        ms = _ms(until)
        return f"{ms:x}.{_b64(self._mac(user_id, event_id, ms))}"

    def check(self, token: str | None, *, user_id: str, event_id: str, now: datetime) -> datetime:
        """The pass's expiry, if it is this user's pass for this event and has not run out."""
        match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
        if match is None:
            raise errors.QueuePassRequired()
        ms = int(match[1], 16)
        expected = _b64(self._mac(user_id, event_id, ms))  # compared as text: one spelling per MAC
        if not hmac.compare_digest(match[2], expected):
            raise errors.QueuePassRequired()
        until = _EPOCH + timedelta(milliseconds=ms)
        if now >= until:
            raise errors.QueuePassRequired("Your queue pass has run out: join the queue again.")
        return until

    def _mac(self, user_id: str, event_id: str, ms: int) -> bytes:
        message = json.dumps([_PURPOSE, user_id, event_id, ms], separators=(",", ":")).encode()
        return hmac.new(self._key, message, hashlib.sha256).digest()


def _ms(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("naive datetime: passes expire in aware UTC")
    return (at - _EPOCH) // timedelta(milliseconds=1)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
