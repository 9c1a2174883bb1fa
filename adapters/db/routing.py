"""Read routing: browsing from the PostgreSQL streaming replica, every decision on the primary.

Which reads go where
    Only the `read_uow` of CatalogService and BookingService (event lists and pages, a user's bookings and
    receipts) is routed. Seats, payments, idempotency keys, sessions and the organizer's sales view use the
    primary's unit of work as before. A read goes to the replica when the replica is reachable, is a standby
    that streams from the primary, lags at most `replica_max_lag_s`, and has replayed the reader's own writes;
    otherwise it goes to the primary. Nothing fails because of the replica: a replica that cannot be reached is
    skipped at once, re-probed every few seconds, and reported `degraded` by the health check.

Read-your-writes (the LSN technique)
    Who reads is set per call by the deployments (`acting_as`, from the request's Principals; see
    `adapters/db/readers.py`). After a unit of work on the primary commits on behalf of users, the primary's WAL
    insert position (`pg_current_wal_insert_lsn()`, which is at or past the end of that commit record, whatever
    `synchronous_commit` says) is remembered for the user. A later read by that user may use the replica only if
    its `pg_last_wal_replay_lsn()` has reached that position. Where the position is remembered decides whether
    this holds across processes:

    * with Redis (`EVENTBOOK_REDIS_URL`): one key per user, `SET` to the maximum by a small Lua script, with a
      TTL well beyond the lag bound. Every replica of every deployment sees it: a hold made by Booking replica 1
      is seen by the user's next read on Booking replica 2 or on Catalog. A Redis failure on the read side
      sends that read to the primary; a failure while remembering is logged (the write has committed), and
      that user's next reads fall back on the lag bound alone — the one gap, which needs Redis to fail between
      the two calls.
    * without Redis: nothing is remembered; an identified reader's fence is instead the primary's insert
      position *now*, read with one trivial query (`SELECT pg_current_wal_insert_lsn()`, no table touched).
      Any write the user made before this read is behind it, whichever process made it, so this is correct
      across replicas too, at the price of one round trip to the primary per identified read and more reads
      falling back to the primary while writes stream in.

    Anonymous reads have no fence: they see a snapshot at most `replica_max_lag_s` old.

    The position is read on the committing unit of work's own connection, right after its commit: never on a
    second pooled connection while the first is held (that deadlocked the pool under load).

    A last safety net covers writes made where no reader was identified (a session created by login, say):
    `read_consistently` re-runs a read (never a write) that answered NotFound or Unauthenticated from the
    replica on the primary, so a just-created session or booking is never reported missing.

Lag
    A standby that has replayed everything it received is 0 s behind; otherwise it is `now() -
    pg_last_xact_replay_timestamp()` behind. A standby whose WAL receiver is not streaming is not used: it
    cannot know how far behind the primary it is.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from adapters.db.readers import current_call, current_writers
from adapters.db.routed_uow import PRIMARY, REPLICA, RecordingUnitOfWork, RoutedReadUnitOfWork
from adapters.db.uow import uow_factory
from adapters.db.write_positions import WritePositions
from adapters.settings import async_url
from domain.ports import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger("eventbook.replica")

PROBE_TIMEOUT_S = 2.0

_PROBE = text(
    """
    SELECT pg_is_in_recovery(),
           (pg_last_wal_replay_lsn() - '0/0')::bigint,
           COALESCE((SELECT status = 'streaming' FROM pg_stat_wal_receiver), false),
           CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0.0
                ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 END
    """
)
_PRIMARY_LSN = text("SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint")


# --- the replica's state ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplicaState:
    reachable: bool
    in_recovery: bool = False
    streaming: bool = False
    replay_lsn: int = 0
    lag_s: float = float("inf")
    checked_at: float = field(default_factory=time.monotonic)

    def usable(self, max_lag_s: float) -> bool:
        return self.reachable and self.in_recovery and self.streaming and self.lag_s <= max_lag_s


def create_replica_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """Like the primary's engine, with a short connect timeout: an unreachable replica must fail fast."""
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=30,
        pool_pre_ping=False,  # as the primary's: a dropped connection is replaced at its first statement
        isolation_level="READ COMMITTED",
        connect_args={"connect_timeout": 2},
    )


class ReadRouter:
    """Chooses the engine of each read unit of work, and remembers users' write positions on the primary."""

    def __init__(
        self,
        *,
        primary: AsyncEngine,
        replica: AsyncEngine,
        max_lag_s: float = 5.0,
        positions: WritePositions | None = None,
        recheck_s: float = 1.0,
        retry_down_s: float = 2.0,
    ) -> None:
        self.primary = primary
        self.replica = replica
        self.primary_reads: UnitOfWorkFactory = uow_factory(primary, read_only=True)
        self.replica_reads: UnitOfWorkFactory = uow_factory(replica, read_only=True)
        self.max_lag_s = max_lag_s
        self.positions = positions
        self._recheck_s = recheck_s
        self._retry_down_s = retry_down_s
        self._state = ReplicaState(reachable=False, checked_at=float("-inf"))
        self._probing = asyncio.Lock()

    # Unit-of-work factories --------------------------------------------------------------------------------

    def routed(self) -> RoutedReadUnitOfWork:
        """A read unit of work that tells where it read (`target`, `connection`)."""
        return RoutedReadUnitOfWork(self)

    def read_uow(self, *, autocommit: bool = False) -> UnitOfWork:
        """The `read_uow` factory of CatalogService and BookingService (reads commit nothing either way)."""
        return cast(UnitOfWork, RoutedReadUnitOfWork(self))

    def recording(self, writes: UnitOfWorkFactory) -> UnitOfWorkFactory:
        """The primary's unit-of-work factory, each commit remembering the position for the call's users."""
        if self.positions is None:
            return writes  # nothing to remember: identified reads are fenced by the primary's position instead

        def make(*, autocommit: bool = False) -> UnitOfWork:
            return cast(UnitOfWork, RecordingUnitOfWork(writes(autocommit=autocommit), self))

        return make

    # Decisions ---------------------------------------------------------------------------------------------

    async def choose(self) -> str:
        """PRIMARY or REPLICA for a read by the current reader (see the module docstring)."""
        call = current_call()
        if call is not None and call.primary_only:
            return PRIMARY
        state = await self.state()
        if not state.usable(self.max_lag_s):
            return PRIMARY
        reader = call.reader if call is not None else None
        if reader is None:
            return REPLICA
        try:
            fence = await self._fence(reader)
        except Exception:  # Redis or the primary did not answer: the primary is always right
            log.warning("read-your-writes fence unavailable; reading from the primary", exc_info=True)
            return PRIMARY
        if fence is None or state.replay_lsn >= fence:
            return REPLICA
        state = await self.state(fresh=True)  # the cached position may be up to `recheck_s` old
        return REPLICA if state.usable(self.max_lag_s) and state.replay_lsn >= fence else PRIMARY

    async def _fence(self, user_id: str) -> int | None:
        if self.positions is not None:
            return await self.positions.last_write(user_id)
        async with self.primary.connect() as conn:
            return int((await conn.execute(_PRIMARY_LSN)).scalar_one())

    async def remember_write(self, conn: AsyncConnection) -> None:
        """After a commit on the primary: remember the primary's position for the call's users, if any.

        Read on the committing unit of work's own connection, after its commit returned: the insert position is
        then past that commit. Never on a connection of its own: the unit of work still holds its connection, and
        taking a second one from the same pool deadlocks once every connection is held by a committer waiting for
        another (on the full stack every pay waited out the pool timeout, then its retries met their own key).
        """
        users = current_writers()
        if not users or self.positions is None:
            return
        try:
            lsn = int((await conn.execute(_PRIMARY_LSN)).scalar_one())
            await self.positions.remember(users, lsn)
        except Exception:  # the write has committed; only the replica fence of these users is weakened
            log.warning("could not remember the write position of users %s", users, exc_info=True)

    # The replica's state -----------------------------------------------------------------------------------

    async def state(self, *, fresh: bool = False) -> ReplicaState:
        """The replica's state, probed at most every `recheck_s` (every `retry_down_s` while unreachable)."""
        if not fresh and not self._stale(self._state):
            return self._state
        async with self._probing:  # one probe at a time; the others use its answer
            if fresh or self._stale(self._state):
                self._state = await self._probe()
        return self._state

    def _stale(self, state: ReplicaState) -> bool:
        age = time.monotonic() - state.checked_at
        return age >= (self._recheck_s if state.reachable else self._retry_down_s)

    async def _probe(self) -> ReplicaState:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S), self.replica.connect() as conn:
                in_recovery, replay_lsn, streaming, lag_s = (await conn.execute(_PROBE)).one()
        except Exception as exc:  # unreachable, starting, shutting down: reads go to the primary meanwhile
            if self._state.reachable or self._state.checked_at == float("-inf"):
                log.warning("replica unreachable, reading from the primary: %r", exc)
            return ReplicaState(reachable=False)
        state = ReplicaState(
            reachable=True,
            in_recovery=bool(in_recovery),
            streaming=bool(streaming),
            replay_lsn=int(replay_lsn or 0),
            lag_s=float(lag_s) if lag_s is not None else float("inf"),
        )
        if not state.usable(self.max_lag_s) and self._state.usable(self.max_lag_s):
            log.warning("replica not usable, reading from the primary: %s", state)
        return state

    def mark_down(self) -> None:
        self._state = ReplicaState(reachable=False)

    async def health(self) -> str:
        """`ok` when reads may use the replica, `degraded` when they all go to the primary."""
        return "ok" if (await self.state(fresh=True)).usable(self.max_lag_s) else "degraded"

    async def dispose(self) -> None:
        await self.replica.dispose()
        close = getattr(self.positions, "close", None)
        if close is not None:
            await close()
