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
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, text
from sqlalchemy.exc import DataError, IntegrityError

from adapters.db.base import statement
from adapters.db.holds_portable import place_holds_portable, sale_snapshot_portable
from adapters.db.idempotency import key_values
from adapters.db.json_columns import attendees_json, lines_json
from adapters.db.rows import event_from_row
from adapters.db.tables import events, idempotency_keys
from domain.hold_lines import taken_by
from domain.model import Booking, BookingStatus, Event
from domain.ports import IdempotencyRecord, SaleSnapshot, StoredKey
from domain.pricing import PromoCode, TicketType

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
                GROUP BY user_id) b) AS owned,
      (SELECT coalesce(json_agg(json_build_array(t.id, t.name, t.price_cents, t.quota, t.taken, t.sales_start,
                                                 t.sales_end, t.max_per_order) ORDER BY t.position, t.created_at, t.id),
                       '[]')
         FROM ticket_types t WHERE t.event_id = :event_id) AS types,
      (SELECT coalesce(json_agg(json_build_array(p.id, p.code, p.percent_off, p.amount_off_cents, p.max_uses, p.uses,
                                                 p.valid_until, p.ticket_type_ids)), '[]')
         FROM promo_codes p WHERE p.event_id = :event_id AND p.code = ANY(CAST(:codes AS text[]))) AS promos
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
    ), types AS (
        UPDATE ticket_types t SET taken = t.taken + w.n
          FROM unnest(CAST(:type_ids AS text[]), CAST(:type_seats AS int[]), CAST(:type_prices AS bigint[]))
               AS w(id, n, price)
         WHERE t.id = w.id AND t.event_id = :event_id AND t.taken + w.n <= t.quota AND t.price_cents = w.price
           AND (t.sales_start IS NULL OR t.sales_start <= :now) AND (t.sales_end IS NULL OR :now < t.sales_end)
           AND EXISTS (SELECT 1 FROM seats)
        RETURNING t.id
    ), promos AS (
        UPDATE promo_codes p SET uses = p.uses + u.n
          FROM unnest(CAST(:promo_ids AS text[]), CAST(:promo_uses AS int[])) AS u(id, n)
         WHERE p.id = u.id AND p.event_id = :event_id AND (p.max_uses IS NULL OR p.uses + u.n <= p.max_uses)
           AND (p.valid_until IS NULL OR :now <= p.valid_until) AND EXISTS (SELECT 1 FROM seats)
        RETURNING p.id
    ), holds AS (
        INSERT INTO bookings (id, event_id, user_id, quantity, status, amount_cents, currency, created_at, expires_at,
                              lines, discount_cents, promo_code_id, promo_code, attendees)
        SELECT h.id, :event_id, h.user_id, h.quantity, 'pending', h.amount_cents, :currency, h.created_at, h.expires_at,
               h.lines, h.discount_cents, h.promo_code_id, h.promo_code, h.attendees
          FROM unnest(CAST(:ids AS text[]), CAST(:users AS text[]), CAST(:quantities AS int[]),
                      CAST(:amounts AS bigint[]), CAST(:created AS timestamptz[]), CAST(:expires AS timestamptz[]),
                      CAST(:lines AS json[]), CAST(:discounts AS bigint[]), CAST(:promo_code_ids AS text[]),
                      CAST(:promo_codes AS text[]), CAST(:attendees AS json[]))
               AS h(id, user_id, quantity, amount_cents, created_at, expires_at, lines, discount_cents, promo_code_id,
                    promo_code, attendees)
         WHERE EXISTS (SELECT 1 FROM seats)
    ), stored AS (
        INSERT INTO idempotency_keys (user_id, key, request_hash, outcome, locked_until, created_at)
        SELECT k.user_id, k.key, k.request_hash, k.outcome, :now, :now
          FROM unnest(CAST(:key_users AS text[]), CAST(:key_names AS text[]), CAST(:key_hashes AS text[]),
                      CAST(:key_outcomes AS json[])) AS k(user_id, key, request_hash, outcome)
         WHERE EXISTS (SELECT 1 FROM seats)
    )
    SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM seats) THEN 0
                WHEN (SELECT count(*) FROM types) = :n_types AND (SELECT count(*) FROM promos) = :n_promos THEN 1
                -- A type or a code changed since the snapshot: fail the whole statement, so nothing of it lands.
                ELSE 1 / (SELECT count(*) FROM types WHERE id IS NULL)::int END
    """
)


async def sale_snapshot(
    conn: Link,
    event_id: str,
    keys: Sequence[tuple[str, str]],
    users: Sequence[str],
    now: datetime,
    codes: Sequence[str] = (),
) -> SaleSnapshot:
    if conn.dialect.name != "postgresql":
        return await sale_snapshot_portable(conn, event_id, keys, users, now, codes)
    params = {
        "event_id": event_id,
        "codes": list(codes),
        "key_users": [u for u, _ in keys],
        "key_names": [k for _, k in keys],
        "buyers": list(users),
        "now": now,
    }
    row = (await conn.execute(_SNAPSHOT, params)).mappings().one()
    event = event_from_row(row) if row["id"] is not None else None
    if event is not None:
        event.ticket_types = [_type(*values) for values in row["types"]]
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
        {promo.code: promo for promo in (_promo(*values) for values in row["promos"])},
    )


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value is not None else None


def _type(id: str, name: str, price: int, quota: int, taken: int, start: Any, end: Any, most: Any) -> TicketType:
    return TicketType(id, name, price, quota, taken, _time(start), _time(end), most)


def _promo(id: str, code: str, pct: Any, off: Any, most: Any, uses: int, until: Any, scope: Any) -> PromoCode:
    return PromoCode(code, pct, off, most, uses, _time(until), frozenset(scope) if scope is not None else None, id)


async def place_holds(
    conn: Link, event: Event | None, seats: int, holds: Sequence[Booking], keys: Sequence[StoredKey], now: datetime
) -> bool:
    if seats and event is None:
        raise ValueError("holds need their event")
    if conn.dialect.name != "postgresql":
        return await place_holds_portable(conn, event, seats, holds, keys, now)
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
        "lines": [json.dumps(lines_json(h.lines)) if h.lines else None for h in holds],
        "discounts": [h.discount_cents for h in holds],
        "promo_code_ids": [h.promo_code_id for h in holds],
        "promo_codes": [h.promo_code for h in holds],
        "attendees": [json.dumps(attendees_json(h.attendees)) if h.attendees else None for h in holds],
        "key_users": [k.user_id for k in keys],
        "key_names": [k.key for k in keys],
        "key_hashes": [k.request_hash for k in keys],
        "key_outcomes": [json.dumps(k.outcome) for k in keys],
    }
    types, promos = taken_by(holds)
    params |= {
        "type_ids": list(types),
        "type_seats": [n for n, _ in types.values()],
        "type_prices": [price for _, price in types.values()],
        "n_types": len(types),
        "promo_ids": list(promos),
        "promo_uses": list(promos.values()),
        "n_promos": len(promos),
    }
    try:
        matched = (await conn.execute(_PLACE, params)).scalar_one()
    except IntegrityError:  # a key was stored since the snapshot: the statement wrote nothing
        return False
    except DataError:  # a type or a code no longer fits (the statement's deliberate division by zero)
        return False
    return bool(matched)
