"""The unit of work: one connection and one transaction, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.db.accounts import SqlRefreshTokenRepository, SqlSessionRepository, SqlUserRepository
from adapters.db.bookings import SqlBookingRepository
from adapters.db.engine import READ_ONLY
from adapters.db.events import SqlEventRepository
from adapters.db.idempotency import SqlIdempotencyRepository
from adapters.db.inbox import SqlInboxRepository
from domain.ports import (
    BookingRepository,
    EventRepository,
    IdempotencyRepository,
    InboxRepository,
    RefreshTokenRepository,
    SessionRepository,
    UnitOfWork,
    UserRepository,
)

AfterCommit = Callable[[set[str]], Awaitable[None]]


class SqlUnitOfWork:
    # Typed as the ports: the Protocol's attributes are mutable, so they must match exactly.
    users: UserRepository
    sessions: SessionRepository
    refresh_tokens: RefreshTokenRepository
    events: EventRepository
    bookings: BookingRepository
    idempotency: IdempotencyRepository
    inbox: InboxRepository

    def __init__(
        self, engine: AsyncEngine, *, read_only: bool = False, after_commit: AfterCommit | None = None
    ) -> None:
        self._engine = engine
        self._read_only = read_only
        self._after_commit = after_commit
        self._conn: AsyncConnection | None = None
        self._touched_events: set[str] = set()

    async def __aenter__(self) -> SqlUnitOfWork:
        conn = await self._engine.connect()
        try:
            if self._read_only:
                await conn.execution_options(**{READ_ONLY: True})
            await conn.begin()
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        self.users = SqlUserRepository(conn)
        self.sessions = SqlSessionRepository(conn)
        self.refresh_tokens = SqlRefreshTokenRepository(conn)
        self.events = SqlEventRepository(conn, self._touched_events)
        self.bookings = SqlBookingRepository(conn)
        self.idempotency = SqlIdempotencyRepository(conn)
        self.inbox = SqlInboxRepository(conn)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if conn.in_transaction():
                await conn.rollback()
        finally:
            await conn.close()

    @property
    def connection(self) -> AsyncConnection | None:
        """The connection of the open unit of work (None outside it)."""
        return self._conn

    async def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit() outside the unit of work")
        await self._conn.commit()
        if self._after_commit is not None and self._touched_events:
            touched = set(self._touched_events)
            self._touched_events.clear()
            await self._after_commit(touched)  # e.g. drop cached copies of the events this commit changed
        # Work after a commit (a re-read, say) runs in a new transaction that __aexit__ rolls back.


def uow_factory(
    engine: AsyncEngine, *, read_only: bool = False, after_commit: AfterCommit | None = None
) -> Callable[[], SqlUnitOfWork]:
    """A factory of units of work on the engine; `read_only` ones never take SQLite's write lock;
    `after_commit` hears the ids of the events each commit changed."""

    def make() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, read_only=read_only, after_commit=after_commit)

    return make


if TYPE_CHECKING:
    _conforms: type[UnitOfWork] = SqlUnitOfWork  # mypy proves the adapter implements the port
