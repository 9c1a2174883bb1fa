"""The hold's two statements on a database without PostgreSQL's data-modifying CTEs (SQLite): the same decisions
as adapters/db/holds.py, written in a savepoint of the unit of work, which began IMMEDIATE and so holds the
database's write lock: all or nothing, never an oversold type, event or code."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, func, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError

from adapters.db.base import row_values
from adapters.db.idempotency import key_values, record
from adapters.db.promo_codes import promo_from_row
from adapters.db.rows import event_from_row
from adapters.db.tables import bookings, events, idempotency_keys
from adapters.db.ticket_tables import promo_codes, ticket_types
from adapters.db.ticket_types import ORDER, ticket_type_from_row
from domain.hold_lines import taken_by
from domain.model import Booking, BookingStatus, Event, EventStatus
from domain.ports import IdempotencyRecord, SaleSnapshot, StoredKey
from domain.pricing import PromoCode

if TYPE_CHECKING:
    from adapters.db.uow import Link

_PENDING = BookingStatus.PENDING.value


async def sale_snapshot_portable(
    conn: Link,
    event_id: str,
    keys: Sequence[tuple[str, str]],
    users: Sequence[str],
    now: datetime,
    codes: Sequence[str] = (),
) -> SaleSnapshot:
    row = (await conn.execute(select(events).where(events.c.id == event_id))).mappings().first()
    priors: dict[tuple[str, str], IdempotencyRecord] = {}
    if keys:
        wanted = tuple_(idempotency_keys.c.user_id, idempotency_keys.c.key).in_(list(keys))
        for stored in (await conn.execute(select(idempotency_keys).where(wanted))).mappings():
            priors[(stored["user_id"], stored["key"])] = record(stored)
    here = func.sum(case((bookings.c.event_id == event_id, bookings.c.quantity), else_=0))
    counts = select(bookings.c.user_id, func.count(), func.sum(bookings.c.quantity), here).where(
        bookings.c.user_id.in_(list(users)), bookings.c.status == _PENDING, bookings.c.expires_at > now
    )
    rows = (await conn.execute(counts.group_by(bookings.c.user_id))).all()
    open_holds = {str(r[0]): int(r[1]) for r in rows}
    held = {str(r[0]): (int(r[2] or 0), int(r[3] or 0)) for r in rows}
    owned: dict[str, int] = {}
    if row is not None and row["max_per_buyer"] is not None:
        mine = select(bookings.c.user_id, func.sum(bookings.c.quantity)).where(
            bookings.c.event_id == event_id,
            bookings.c.user_id.in_(list(users)),
            or_(
                bookings.c.status == BookingStatus.CONFIRMED.value,
                and_(bookings.c.status == _PENDING, bookings.c.expires_at > now),
            ),
        )
        owned = {str(r[0]): int(r[1]) for r in (await conn.execute(mine.group_by(bookings.c.user_id))).all()}
    event = event_from_row(row) if row else None
    promos: dict[str, PromoCode] = {}
    if event is not None:
        kinds = select(ticket_types).where(ticket_types.c.event_id == event_id).order_by(*ORDER)
        event.ticket_types = [ticket_type_from_row(r) for r in (await conn.execute(kinds)).mappings()]
        named = select(promo_codes).where(promo_codes.c.event_id == event_id, promo_codes.c.code.in_(list(codes)))
        promos = {p.code: p for p in map(promo_from_row, (await conn.execute(named)).mappings())}
    return SaleSnapshot(event, priors, open_holds, held, owned, promos)


class _Refused(Exception):
    """A type or a code changed since the snapshot: the savepoint rolls back."""


async def place_holds_portable(
    conn: Link, event: Event | None, seats: int, holds: Sequence[Booking], keys: Sequence[StoredKey], now: datetime
) -> bool:
    try:
        async with conn.begin_nested():  # all or nothing, like the one statement on PostgreSQL
            if seats and event is not None:
                taken = update(events).where(
                    events.c.id == event.id,
                    events.c.status == EventStatus.PUBLISHED.value,
                    events.c.ends_at > now,
                    events.c.seats_available >= seats,
                    events.c.price_cents == event.price_cents,
                    events.c.currency == event.currency,
                    or_(events.c.sale_starts_at.is_(None), events.c.sale_starts_at <= now),
                    events.c.max_per_buyer.is_not_distinct_from(event.max_per_buyer),
                )
                moved = taken.values(seats_available=events.c.seats_available - seats, version=events.c.version + 1)
                result = await conn.execute(moved)
                if result.rowcount != 1:
                    return False
                await _take(conn, event.id, holds, now)
                await conn.execute(insert(bookings), [row_values(h, exclude=("payment",)) for h in holds])
            await conn.execute(insert(idempotency_keys), [key_values(k) for k in keys])
    except (IntegrityError, _Refused):
        return False
    return True


async def _take(conn: Link, event_id: str, holds: Sequence[Booking], now: datetime) -> None:
    types, promos = taken_by(holds)
    t, p = ticket_types.c, promo_codes.c
    for type_id, (seats, unit_price) in types.items():
        fits = (t.id == type_id, t.event_id == event_id, t.taken + seats <= t.quota, t.price_cents == unit_price)
        window = (or_(t.sales_start.is_(None), t.sales_start <= now), or_(t.sales_end.is_(None), t.sales_end > now))
        if (await conn.execute(update(ticket_types).where(*fits, *window).values(taken=t.taken + seats))).rowcount != 1:
            raise _Refused
    for promo_id, uses in promos.items():
        usable = (p.id == promo_id, p.event_id == event_id, or_(p.max_uses.is_(None), p.uses + uses <= p.max_uses))
        valid = or_(p.valid_until.is_(None), p.valid_until >= now)
        if (await conn.execute(update(promo_codes).where(*usable, valid).values(uses=p.uses + uses))).rowcount != 1:
            raise _Refused
