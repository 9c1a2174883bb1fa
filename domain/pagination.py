"""Keyset pagination: opaque cursors that name the last row of the previous page."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from domain import errors
from domain.times import to_utc

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_CURSOR_LENGTH = 512  # what the ingress takes (ingress/deps.py)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class Position:
    """Sort key of the last row already shown: a time and the row id as tie-breaker."""

    at: datetime
    id: str


def encode_cursor(position: Position) -> str:
    raw = json.dumps([position.at.isoformat(), position.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> Position | None:
    if not cursor:
        return None
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:  # ours are far shorter; and json nests no deeper than this allows
            raise ValueError("too long for a cursor")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, row_id = json.loads(raw)
        position = Position(datetime.fromisoformat(at), str(row_id))
        if position.at.tzinfo is None:
            raise ValueError("a cursor's time must have a zone")
        # In UTC and storable, or the database driver overflows on it: 0001-01-01T00:00+23:59 is in year 0.
        return Position(to_utc(position.at), position.id)
    except (ValueError, TypeError) as exc:
        raise errors.ValidationFailed("The cursor is not valid.", fields={"cursor": "invalid"}) from exc


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise errors.ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}.", fields={"limit": "out of range"})
    return limit
