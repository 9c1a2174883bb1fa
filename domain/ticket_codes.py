"""Ticket codes: what a QR code carries, unguessable and checkable by the platform without trusting the scanner.

A code is a random ticket id (128 bits from `secrets`, shaped as a UUID like every other id here) followed by the
first 80 bits of HMAC-SHA256 of that id under the platform's key, written in upper-case base32 without padding:
42 characters of A-Z and 2-7, which a QR code holds in its compact alphanumeric mode (version 2 at level M).

Guessing a valid code means guessing the MAC: 2**80 tries, against an endpoint that answers one scan at a time.
A forged, mistyped or other-key code fails the MAC check, compared in constant time, and is simply unknown; the
check needs no database, so the door can reject rubbish before it costs a query. Old keys may be passed for
verification only, so the key can be rotated without voiding tickets already sold.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Iterable

ID_BYTES = 16
MAC_BYTES = 10
CODE_LENGTH = 42  # base32 of 26 bytes, unpadded
MIN_KEY_BYTES = 32
_CONTEXT = b"eventbook/ticket-code/v1\x00"  # the key may sign other things; this MAC means "ticket" only
_CODE = re.compile(rf"^[A-Z2-7]{{{CODE_LENGTH}}}$")
_SEPARATORS = re.compile(r"[\s-]+")


def _derive(secret: str) -> bytes:
    if len(secret) < MIN_KEY_BYTES:
        raise ValueError(f"The platform secret needs at least {MIN_KEY_BYTES} characters.")
    return hmac.new(secret.encode(), b"eventbook/ticket-code-key/v1", hashlib.sha256).digest()


def _mac(key: bytes, ticket_id: bytes) -> bytes:
    return hmac.new(key, _CONTEXT + ticket_id, hashlib.sha256).digest()[:MAC_BYTES]


class TicketCodes:
    """Issues codes under the current key; verifies codes of the current key and of any key passed as `previous`."""

    def __init__(self, key: bytes, *, previous: Iterable[bytes] = ()) -> None:
        keys = [key, *previous]
        if any(len(k) < MIN_KEY_BYTES for k in keys):
            raise ValueError(f"A ticket key needs at least {MIN_KEY_BYTES} bytes.")
        self._key = key
        self._keys = tuple(keys)

    @classmethod
    def from_secret(cls, secret: str, *, previous: Iterable[str] = ()) -> TicketCodes:
        """Codes under a key derived from the platform's secret (which also signs tokens: the derivation keeps the
        two uses apart)."""
        return cls(_derive(secret), previous=[_derive(old) for old in previous])

    def issue(self) -> tuple[str, str]:
        """A new (ticket id, code)."""
        ticket_id = str(uuid.UUID(bytes=secrets.token_bytes(ID_BYTES), version=4))
        return ticket_id, self.code_for(ticket_id)

    def code_for(self, ticket_id: str) -> str:
        """The code of an existing ticket id (a UUID); the same id always gives the same code under one key."""
        raw = uuid.UUID(ticket_id).bytes
        return base64.b32encode(raw + _mac(self._key, raw)).decode("ascii").rstrip("=")

    def verify(self, code: str) -> str | None:
        """The ticket id a code stands for, or None if it is not one the platform issued.

        Case, spaces and dashes are ignored (someone typing a code from the paper ticket, or the grouped form).
        """
        code = _SEPARATORS.sub("", code).upper()
        if not _CODE.match(code):
            return None
        try:
            raw = base64.b32decode(code + "=" * 6)
        except binascii.Error:  # pragma: no cover - the pattern already admits only well-formed input
            return None
        if base64.b32encode(raw).decode("ascii").rstrip("=") != code:
            return None  # the last character's two spare bits set: not a code the platform writes
        ticket_id, mac = raw[:ID_BYTES], raw[ID_BYTES:]
        # Every key is tried, so the time taken does not tell which key (if any) nearly matched.
        valid = [hmac.compare_digest(mac, _mac(key, ticket_id)) for key in self._keys]
        return str(uuid.UUID(bytes=ticket_id)) if any(valid) else None


def grouped(code: str, size: int = 6) -> str:
    """The code in groups for people to read off a ticket; `verify` accepts it as it is."""
    return " ".join(code[i : i + size] for i in range(0, len(code), size))
