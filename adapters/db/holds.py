"""The hold's two statements: what a batch of holds for one event decides on, and its one atomic write.

No oversell: the seat decision is the write's conditional UPDATE, `seats_available >= :seats` in the same statement
as the decrement. On PostgreSQL it takes the event's row lock for that one statement (autocommit: one round
trip); a writer that waited re-evaluates the condition against the row the winner committed (EvalPlanQual), so
it can never take seats that are gone. The holds and their keys are inserted by the same statement, only if the
UPDATE matched, and a key stored meanwhile makes the whole statement fail: all or nothing. On SQLite the unit of
work began IMMEDIATE, holding the database's write lock. The CHECK (seats_available >= 0) would still refuse an
oversell if all of the above were wrong.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, case, func, insert, or_, select, text, tuple_, update
from sqlalchemy.exc import IntegrityError

from adapters.db.base import row_values, statement
from adapters.db.idempotency import key_values, record
from adapters.db.rows import event_from_row
from adapters.db.tables import bookings, events, idempotency_keys
from domain.model import Booking, BookingStatus, Event, EventStatus
from domain.ports import IdempotencyRecord, SaleSnapshot, StoredKey

if TYPE_CHECKING:
    from adapters.db.uow import Link

_PENDING = BookingStatus.PENDING.value

_EVENT_COLUMNS = ", ".join(f"e.{c.name}" for c in events.c)
_SNAPSHOT = statement(
    """
    SELECT {columns},
      (SELECT coalesce(json_agg(json_build_array(k.user_id, k.key, k.request_hash, k.outcome, k.locked_until)), '[]')
         FROM idempotency_keys k
         JOIN unnest(CAST(:key_users AS text[]), CAST(:key_names AS text[])) AS r(user_id, key)
           ON k.user_id = r.user_id AND k.key = r.key) AS priors,
      (SELECT coalesce(json_object_agg(o.user_id, json_build_array(o.n, o.seats, o.here)), '{}')
         FROM (SELECT user_id, count(*) AS n, sum(quantity) AS seats,
                      coalesce(sum(quantity) FILTER (WHERE event_id = :event_id), 0) AS here FROM bookings
                WHERE user_id = ANY(CAST(:buyers AS text[])) AND status = 'pending' AND expires_at > :now
                GROUP BY user_id) o) AS open_holds,
      (SELECT coalesce(json_object_agg(b.user_id, b.n), '{}')
         FROM (SELECT user_id, sum(quantity) AS n FROM bookings
                WHERE e.max_per_buyer IS NOT NULL AND event_id = :event_id
                  AND user_id = ANY(CAST(:buyers AS text[]))
                  AND (status = 'confirmed' OR (status = 'pending' AND expires_at > :now))
                GROUP BY user_id) b) AS owned
    FROM (SELECT 1) AS one LEFT JOIN events e ON e.id = :event_id
    """,
    columns=_EVENT_COLUMNS,
).columns(**{c.name: c.type for c in events.c})

_PLACE = text(
    """
    WITH seats AS (
        UPDATE events SET seats_available = seats_available - :seats, version = version + 1
         WHERE id = :event_id AND status = 'published' AND ends_at > :now AND seats_available >= :seats
           AND price_cents = :price_cents AND currency = :currency
           AND (sale_starts_at IS NULL OR sale_starts_at <= :now)
           AND max_per_buyer IS NOT DISTINCT FROM CAST(:max_per_buyer AS integer)
        RETURNING seats_available
    ), holds AS (
        INSERT INTO bookings (id, event_id, user_id, quantity, status, amount_cents, currency, created_at, expires_at)
        SELECT h.id, :event_id, h.user_id, h.quantity, 'pending', h.amount_cents, :currency, h.created_at, h.expires_at
          FROM unnest(CAST(:ids AS text[]), CAST(:users AS text[]), CAST(:quantities AS int[]),
                      CAST(:amounts AS bigint[]), CAST(:created AS timestamptz[]), CAST(:expires AS timestamptz[]))
               AS h(id, user_id, quantity, amount_cents, created_at, expires_at)
         WHERE EXISTS (SELECT 1 FROM seats)
    ), stored AS (
        INSERT INTO idempotency_keys (user_id, key, request_hash, outcome, locked_until, created_at)
        SELECT k.user_id, k.key, k.request_hash, k.outcome, :now, :now
          FROM unnest(CAST(:key_users AS text[]), CAST(:key_names AS text[]), CAST(:key_hashes AS text[]),
                      CAST(:key_outcomes AS json[])) AS k(user_id, key, request_hash, outcome)
         WHERE EXISTS (SELECT 1 FROM seats)
    )
    SELECT count(*) FROM seats
    """
)


async def sale_snapshot(
    conn: Link, event_id: str, keys: Sequence[tuple[str, str]], users: Sequence[str], now: datetime
) -> SaleSnapshot:
    if conn.dialect.name != "postgresql":
        return await _sale_snapshot_portable(conn, event_id, keys, users, now)
    params = {
        "event_id": event_id,
        "key_users": [u for u, _ in keys],
        "key_names": [k for _, k in keys],
        "buyers": list(users),
        "now": now,
    }
    row = (await conn.execute(_SNAPSHOT, params)).mappings().one()
    event = event_from_row(row) if row["id"] is not None else None
    priors = {
        (user, key): IdempotencyRecord(request_hash, outcome, datetime.fromisoformat(locked_until))
        for user, key, request_hash, outcome, locked_until in row["priors"]
    }
    counts = row["open_holds"].items()
    return SaleSnapshot(
        event,
        priors,
        {user: int(n) for user, (n, _, _) in counts},
        {user: (int(seats), int(here)) for user, (_, seats, here) in counts},
        {user: int(n) for user, n in row["owned"].items()},
    )


async def place_holds(
    conn: Link, event: Event | None, seats: int, holds: Sequence[Booking], keys: Sequence[StoredKey], now: datetime
) -> bool:
    if seats and event is None:
        raise ValueError("holds need their event")
    if conn.dialect.name != "postgresql":
        return await _place_holds_portable(conn, event, seats, holds, keys, now)
    if not seats:  # refusals only: their keys, in one statement
        try:
            await conn.execute(insert(idempotency_keys).values([key_values(k) for k in keys]))
        except IntegrityError:
            return False
        return True
    assert event is not None
    params = {
        "event_id": event.id,
        "seats": seats,
        "now": now,
        "price_cents": event.price_cents,
        "currency": event.currency,
        "max_per_buyer": event.max_per_buyer,
        "ids": [h.id for h in holds],
        "users": [h.user_id for h in holds],
        "quantities": [h.quantity for h in holds],
        "amounts": [h.amount_cents for h in holds],
        "created": [h.created_at for h in holds],
        "expires": [h.expires_at for h in holds],
        "key_users": [k.user_id for k in keys],
        "key_names": [k.key for k in keys],
        "key_hashes": [k.request_hash for k in keys],
        "key_outcomes": [json.dumps(k.outcome) for k in keys],
    }
    try:
        matched = (await conn.execute(_PLACE, params)).scalar_one()
    except IntegrityError:  # a key was stored since the snapshot: the statement wrote nothing
        return False
    return bool(matched)


async def _sale_snapshot_portable(
    conn: Link, event_id: str, keys: Sequence[tuple[str, str]], users: Sequence[str], now: datetime
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
    return SaleSnapshot(event, priors, open_holds, held, owned)


async def _place_holds_portable(
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
                await conn.execute(insert(bookings), [row_values(h, exclude=("payment",)) for h in holds])
            await conn.execute(insert(idempotency_keys), [key_values(k) for k in keys])
    except IntegrityError:
        return False
    return True
