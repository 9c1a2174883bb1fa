"""The waiting room's queue in the database (SQLite embedded, or PostgreSQL without Redis).

Every change to an event's queue that depends on its order runs in a transaction that first writes the event's
`queue_rooms` row: a join moves the arrival counter, a tick moves the bound or the rate. On PostgreSQL that row
lock serialises joins and ticks of one event (and nothing else); SQLite's writers are serialised anyway (BEGIN
IMMEDIATE). So a late joiner's number is taken and committed before the next one's, an early joiner in flight at
the opening commits before a tick can pass it, and two ticks never admit the same entry or past the bound. The
caller's clock decides (the replicas' clocks are assumed close).

Expiring needs no lock: `UPDATE … WHERE status = 'admitted' AND admitted_until <= now` counts each pass once,
whatever runs alongside (PostgreSQL re-checks the condition of a row another transaction just changed).
Status reads count rows (indexed): cheap enough for the fallback; Redis is the store for big on-sales.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.db.engine import READ_ONLY
from adapters.db.queue_tables import queue_entries as qe
from adapters.db.queue_tables import queue_rooms as qr
from domain.queue_store import LATE_BASE, AdmitResult, Admitted, QueueStatus, RoomState, StoredEntry, next_rate

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


class DatabaseQueueStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._reader = engine.execution_options(**{READ_ONLY: True})
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def join(
        self, event_id: str, user_id: str, *, draw: int, opens_at: datetime | None, now: datetime, initial_bound: int
    ) -> tuple[StoredEntry, bool]:
        async with self._engine.begin() as conn:
            created = await self._file(conn, event_id, user_id, draw, opens_at, now, initial_bound)
            entry = await _read(conn, event_id, user_id, now)
        assert entry is not None
        return entry, created

    async def _file(
        self,
        conn: AsyncConnection,
        event_id: str,
        user_id: str,
        draw: int,
        opens_at: datetime | None,
        now: datetime,
        initial_bound: int,
    ) -> bool:
        mine = and_(qe.c.event_id == event_id, qe.c.user_id == user_id)
        if await conn.scalar(select(qe.c.user_id).where(mine)) is not None:
            return False
        await self._ensure_room(conn, event_id, now, initial_bound)
        late = opens_at is None or now >= opens_at
        seq = await conn.scalar(  # the room's row lock, held to the commit: one join or tick at a time
            update(qr)
            .where(qr.c.event_id == event_id)
            .values(next_seq=qr.c.next_seq + (1 if late else 0))
            .returning(qr.c.next_seq)
        )
        values = {
            "event_id": event_id,
            "user_id": user_id,
            "order_key": LATE_BASE + seq if late else draw,
            "status": "waiting",
            "joined_at": _floor(now),
        }
        result = await conn.execute(self._insert(qe).values(values).on_conflict_do_nothing())
        return bool(result.rowcount)

    async def _ensure_room(self, conn: AsyncConnection, event_id: str, now: datetime, initial_bound: int) -> None:
        room = {"event_id": event_id, "bound": initial_bound, "bound_at": _floor(now), "next_seq": 0, "rate": 0.0}
        await conn.execute(self._insert(qr).values(room).on_conflict_do_nothing())

    async def read_many(self, event_id: str, user_ids: list[str], *, now: datetime) -> list[StoredEntry | None]:
        async with self._reader.connect() as conn, conn.begin():  # one connection for all of them
            return [await _read(conn, event_id, user_id, now) for user_id in user_ids]

    async def leave(self, event_id: str, user_id: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(qe).where(qe.c.event_id == event_id, qe.c.user_id == user_id))

    async def expire(self, event_id: str, *, now: datetime, initial_bound: int) -> RoomState:
        async with self._engine.begin() as conn:
            await self._ensure_room(conn, event_id, now, initial_bound)
            ran_out = await conn.execute(
                update(qe)
                .where(qe.c.event_id == event_id, qe.c.status == "admitted", qe.c.admitted_until <= now)
                .values(status="expired")
            )
            room = (await conn.execute(select(qr.c.bound, qr.c.bound_at).where(qr.c.event_id == event_id))).one()
            active, waiting = await _counts(conn, event_id, now)
        return RoomState(
            bound=room.bound, bound_at=room.bound_at, active=active, waiting=waiting, expired=ran_out.rowcount, now=now
        )

    async def admit(
        self, event_id: str, *, now: datetime, ttl: timedelta, new_bound: int | None, seen_bound_at: datetime
    ) -> AdmitResult:
        async with self._engine.begin() as conn:
            if new_bound is not None:  # only if nobody moved it since it was seen
                await conn.execute(
                    update(qr)
                    .where(qr.c.event_id == event_id, qr.c.bound_at == seen_bound_at)
                    .values(bound=new_bound, bound_at=_floor(now))
                )
            room = await _lock_room(conn, event_id)
            if room is None:
                return AdmitResult(admitted=[], bound=0, active=0, waiting=0, now=now)
            active, waiting = await _counts(conn, event_id, now)
            admitted = await _admit_next(conn, event_id, min(room.bound - active, waiting), _floor(now + ttl), now)
            if waiting:
                rate, rate_at = next_rate(room.rate, room.rate_at, len(admitted), now)
                await conn.execute(update(qr).where(qr.c.event_id == event_id).values(rate=rate, rate_at=rate_at))
        return AdmitResult(
            admitted=admitted,
            bound=room.bound,
            active=active + len(admitted),
            waiting=waiting - len(admitted),
            now=now,
        )


async def _lock_room(conn: AsyncConnection, event_id: str) -> Any:
    # The same lock the joins take (SQLite ignores FOR UPDATE: its write lock is already held).
    query = select(qr.c.bound, qr.c.rate, qr.c.rate_at).where(qr.c.event_id == event_id).with_for_update()
    return (await conn.execute(query)).one_or_none()  # (bound, rate, rate_at) or None


async def _admit_next(
    conn: AsyncConnection, event_id: str, count: int, until: datetime, now: datetime
) -> list[Admitted]:
    if count <= 0:
        return []
    first = (
        select(qe.c.user_id)
        .where(qe.c.event_id == event_id, qe.c.status == "waiting")
        .order_by(qe.c.order_key, qe.c.user_id)
        .limit(count)
    )
    users = list((await conn.execute(first)).scalars())
    admitted = await conn.execute(
        update(qe)
        .where(qe.c.event_id == event_id, qe.c.user_id.in_(users), qe.c.status == "waiting")
        .values(status="admitted", admitted_at=now, admitted_until=until)
        .returning(qe.c.user_id, qe.c.joined_at, qe.c.order_key)
    )
    rows = sorted(admitted, key=lambda r: (r.order_key, r.user_id))
    return [Admitted(r.user_id, r.joined_at, until) for r in rows]


async def _counts(conn: AsyncConnection, event_id: str, now: datetime) -> tuple[int, int]:
    """(admitted buyers whose passes have not run out, entries waiting)."""
    active = func.count().filter(and_(qe.c.status == "admitted", qe.c.admitted_until > now))
    waiting = func.count().filter(qe.c.status == "waiting")
    row = (await conn.execute(select(active, waiting).where(qe.c.event_id == event_id))).one()
    return int(row[0]), int(row[1])


async def _read(conn: AsyncConnection, event_id: str, user_id: str, now: datetime) -> StoredEntry | None:
    me = qe.alias("me")
    other = qe.alias("other")
    before = and_(
        other.c.event_id == me.c.event_id,
        or_(
            other.c.order_key < me.c.order_key,
            and_(other.c.order_key == me.c.order_key, other.c.user_id < me.c.user_id),
        ),
    )
    rank = select(func.count()).where(before).scalar_subquery()
    ahead = select(func.count()).where(before, other.c.status == "waiting").scalar_subquery()
    waiting = select(func.count()).where(other.c.event_id == me.c.event_id, other.c.status == "waiting")
    rate = select(qr.c.rate).where(qr.c.event_id == me.c.event_id).scalar_subquery()
    query = select(
        me.c.status,
        me.c.joined_at,
        me.c.admitted_until,
        rank.label("rank"),
        ahead.label("ahead"),
        waiting.scalar_subquery().label("waiting"),
        rate.label("rate"),
    ).where(me.c.event_id == event_id, me.c.user_id == user_id)
    row = (await conn.execute(query)).one_or_none()
    if row is None:
        return None
    if row.status == "waiting":
        status = QueueStatus.WAITING
    elif row.status == "admitted" and row.admitted_until > now:
        status = QueueStatus.ADMITTED
    else:
        status = QueueStatus.EXPIRED
    return StoredEntry(
        user_id=user_id,
        status=status,
        rank=int(row.rank) + 1,
        ahead=int(row.ahead) if status is QueueStatus.WAITING else 0,
        waiting=int(row.waiting),
        rate=float(row.rate or 0),
        joined_at=row.joined_at,
        admitted_until=row.admitted_until,
        now=now,
    )


def _floor(at: datetime) -> datetime:
    """To the millisecond, as passes keep their expiry (and Redis every time)."""
    return _EPOCH + (at - _EPOCH) // _MS * _MS
