"""Instants as the platform keeps them: aware, in UTC, inside the range every store and driver can represent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# A day short of Python's own limits (years 1 and 9999): a driver or a session in another time zone may convert a
# stored value to its local time on the way out (psycopg does), and 9999-12-31T23:00Z is already year 10000 at +01:00.
EARLIEST = datetime.min.replace(tzinfo=UTC) + timedelta(days=1)
LATEST = datetime.max.replace(tzinfo=UTC) - timedelta(days=1)


class OutOfRange(ValueError):
    """Not an instant the platform can keep: beyond year 9999 or before year 1 in UTC, or too close to those."""


def to_utc(at: datetime) -> datetime:
    """`at` in UTC (a naive time is taken as UTC already); OutOfRange if it cannot be stored."""
    if at.tzinfo is None or at.utcoffset() is None:
        at = at.replace(tzinfo=UTC)
    try:
        at = at.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59-23:59 is in year 10000 in UTC, 0001-01-01T00:00+23:59 in year 0
        raise OutOfRange("Outside the years 1 to 9999 once converted to UTC.") from None
    if not EARLIEST <= at <= LATEST:
        raise OutOfRange(f"Between {EARLIEST.date()} and {LATEST.date()} in UTC.")
    return at
