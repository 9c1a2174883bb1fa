"""Keyset pagination: opaque cursors that name the last row of the previous page."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from domain import errors

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


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
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, row_id = json.loads(raw)
        position = Position(datetime.fromisoformat(at), str(row_id))
    except (ValueError, TypeError) as exc:
        raise errors.ValidationFailed("The cursor is not valid.", fields={"cursor": "invalid"}) from exc
    if position.at.tzinfo is None:
        raise errors.ValidationFailed("The cursor is not valid.", fields={"cursor": "invalid"})
    return position


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_LIMIT:
        raise errors.ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}.", fields={"limit": "out of range"})
    return limit
