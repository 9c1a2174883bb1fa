"""JSON columns that hold domain values: a booking's priced lines and its attendees, as plain lists in the row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Dialect
from sqlalchemy.types import TypeDecorator

from domain.attendees import AttendeeInput
from domain.pricing import Line


def lines_json(lines: list[Line]) -> list[dict[str, Any]] | None:
    return [line.plain() for line in lines] or None


def attendees_json(attendees: list[AttendeeInput]) -> list[dict[str, Any]] | None:
    return [a.plain() for a in attendees] or None


class LinesColumn(TypeDecorator[list[Line]]):
    """NULL for none: a booking made before ticket types, so many seats of its event's first type."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[Line] | None, dialect: Dialect) -> Any:
        return lines_json(value or [])

    def process_result_value(self, value: Any, dialect: Dialect) -> list[Line]:
        return [Line(**each) for each in value or ()]


class AttendeesColumn(TypeDecorator[list[AttendeeInput]]):
    """NULL for none: every seat in the buyer's name."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: list[AttendeeInput] | None, dialect: Dialect) -> Any:
        return attendees_json(value or [])

    def process_result_value(self, value: Any, dialect: Dialect) -> list[AttendeeInput]:
        return [AttendeeInput(**each) for each in value or ()]
